//! Signal collection of Posture (work in progress): the RFC 7208 SPF
//! evaluator comes first; DNS collectors on hickory, TCP probes and DNSBL
//! look-ups follow.

pub mod spf;
