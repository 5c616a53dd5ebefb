//! Batch splitting never panics and never loses a document: the documents
//! it returns are themselves syntactically valid JSON values (their
//! contents, e.g. an out-of-range number, are judged by the document
//! parser, which must then fail cleanly).
#![no_main]

use libfuzzer_sys::fuzz_target;
use posture_core::input::split_documents;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok((_, docs)) = split_documents(text) {
        for d in docs {
            assert!(serde_json::from_str::<&serde_json::value::RawValue>(d.text).is_ok());
            let _ = posture_core::FindingsDocument::from_json(d.text);
            assert!(d.line >= 1);
        }
    }
});
