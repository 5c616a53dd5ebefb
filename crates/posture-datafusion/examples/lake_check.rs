//! Compares `posture batch`'s Parquet output with `posture score --format
//! json` output for the same data: every organisation's score, fraction
//! and grade must be equal as text.
//!
//! ```text
//! cargo run --release -p posture-datafusion --example lake_check -- OUT.parquet SCORES.ndjson
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::BTreeMap;
use std::io::BufRead;

type Row = [Option<String>; 3];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, parquet, ndjson] = args.as_slice() else {
        eprintln!("usage: lake_check OUT.parquet SCORES.ndjson");
        std::process::exit(2);
    };
    let mut batch: BTreeMap<String, Row> = BTreeMap::new();
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(parquet).unwrap())
        .unwrap()
        .build()
        .unwrap();
    for b in reader {
        let b = b.unwrap();
        let cols: Vec<_> = (0..4)
            .map(|k| cast(b.column(k), &DataType::Utf8).unwrap())
            .collect();
        let get = |k: usize, i: usize| {
            let a = cols[k].as_string::<i32>();
            a.is_valid(i).then(|| a.value(i).to_owned())
        };
        for i in 0..b.num_rows() {
            batch.insert(get(0, i).unwrap(), [get(1, i), get(2, i), get(3, i)]);
        }
    }
    let mut embedded: BTreeMap<String, Row> = BTreeMap::new();
    let file = std::io::BufReader::new(std::fs::File::open(ndjson).unwrap());
    for line in file.lines() {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let s = |k: &str| v[k].as_str().map(str::to_owned);
        embedded.insert(
            s("organization").unwrap(),
            [s("score"), s("fraction"), s("grade")],
        );
    }
    if batch != embedded {
        let differing = embedded
            .iter()
            .filter(|(k, v)| batch.get(*k) != Some(v))
            .count();
        eprintln!(
            "DIFFERENT: {} batch rows, {} documents, {differing} differ",
            batch.len(),
            embedded.len()
        );
        std::process::exit(1);
    }
    println!("{} organisations identical", batch.len());
}
