//! RFC 7208 SPF evaluation (placeholder until the evaluator lands).
