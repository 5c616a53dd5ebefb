//! The Python module `posture`: the command line's JSON documents in and
//! out, as Python values.
//!
//! `score`, `improve` and `csr` take one document (a dict, or its JSON
//! text) and return one dict, or take a list and return a list, scored in
//! parallel with the GIL released, in order. Bad input raises
//! `posture.InputError` (a `ValueError`) carrying the CLI's stable `code`,
//! the `path` of the field, and the `document` number. `scan` runs a real
//! scan, also with the GIL released.

use posture_core::input::BatchError;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

pyo3::create_exception!(
    posture,
    InputError,
    PyValueError,
    "Bad input: `code` is the stable error code (`invalid_field`, `unknown_issue`, ...), `path` where in the document (`findings[1].status`), `document` which document of a batch (from 1)."
);

/// The raised `InputError` for a batch error.
fn input_error(py: Python<'_>, e: &BatchError) -> PyErr {
    let err = InputError::new_err(e.to_string());
    let value = err.value(py);
    let _ = value.setattr("code", e.code());
    let _ = value.setattr("path", e.source.path().unwrap_or(""));
    let _ = value.setattr("document", e.number);
    err
}

/// A document's JSON text: a `str` as given, anything else through
/// `json.dumps`.
fn json_text(py: Python<'_>, doc: &Bound<'_, PyAny>) -> PyResult<String> {
    if doc.is_instance_of::<PyString>() {
        return doc.extract::<String>();
    }
    let dumps = py.import("json")?.getattr("dumps")?;
    dumps
        .call1((doc,))
        .and_then(|s| s.extract::<String>())
        .map_err(|e| PyTypeError::new_err(format!("the document is not JSON-serialisable: {e}")))
}

/// One document or a list, as batch text and whether a list was given.
fn batch_text(py: Python<'_>, docs: &Bound<'_, PyAny>) -> PyResult<(String, bool)> {
    if let Ok(list) = docs.cast::<PyList>() {
        let mut text = String::new();
        for d in list.iter() {
            // json.dumps writes one line; a str is compacted through a
            // parse so that each document stays one NDJSON line.
            let t = json_text(py, &d)?;
            let one_line = if t.contains('\n') {
                let loads = py.import("json")?.getattr("loads")?;
                json_text(py, &loads.call1((t,))?)?
            } else {
                t
            };
            text.push_str(&one_line);
            text.push('\n');
        }
        if text.is_empty() {
            return Ok((String::new(), true));
        }
        return Ok((text, true));
    }
    let text = json_text(py, docs)?;
    // A JSON array of documents is a batch too.
    let array = text.trim_start().starts_with('[');
    Ok((text, array))
}

/// The engine for optional `catalog` and `model_config` (dicts, lists or
/// JSON text).
fn engine(
    py: Python<'_>,
    catalog: Option<&Bound<'_, PyAny>>,
    model_config: Option<&Bound<'_, PyAny>>,
) -> PyResult<::posture::batch::Engine> {
    let catalog = catalog.map(|c| json_text(py, c)).transpose()?;
    let config = model_config.map(|c| json_text(py, c)).transpose()?;
    ::posture::batch::Engine::new(catalog.as_deref(), config.as_deref()).map_err(|e| {
        let err = InputError::new_err(e.to_string());
        let value = err.value(py);
        let _ = value.setattr("code", e.code());
        let _ = value.setattr(
            "path",
            match &e {
                ::posture::batch::EngineError::Config(c) => c.path().unwrap_or(""),
                _ => "catalog",
            },
        );
        let _ = value.setattr("document", 0);
        err
    })
}

/// Runs `f` on the batch with the GIL released and returns one value, or a
/// list of values, parsed with `json.loads`.
fn run<'py>(
    py: Python<'py>,
    docs: &Bound<'py, PyAny>,
    f: impl FnOnce(&str) -> Result<String, BatchError> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let (text, many) = batch_text(py, docs)?;
    if many && text.is_empty() {
        return Ok(PyList::empty(py).into_any());
    }
    let out = py.detach(|| f(&text)).map_err(|e| input_error(py, &e))?;
    let loads = py.import("json")?.getattr("loads")?;
    let values: Vec<Bound<'py, PyAny>> = out
        .lines()
        .map(|l| loads.call1((l,)))
        .collect::<PyResult<_>>()?;
    // A list, or text holding several documents (an array or NDJSON),
    // gives a list; one document gives its value.
    if many || values.len() > 1 {
        Ok(PyList::new(py, values)?.into_any())
    } else {
        values
            .into_iter()
            .next()
            .ok_or_else(|| PyRuntimeError::new_err("no result"))
    }
}

/// Scores a findings document (a dict or its JSON text): the scorecard
/// `posture score --format json` prints, as a dict. A list of documents
/// (or text holding several: a JSON array or NDJSON) gives a list of
/// scorecards, in order, scored in parallel. `catalog` and
/// `model_config` are what `--catalog` and `--model-config` read (default:
/// the built-in catalog, the spec's parameters).
#[pyfunction]
#[pyo3(signature = (doc, catalog=None, model_config=None))]
fn score<'py>(
    py: Python<'py>,
    doc: &Bound<'py, PyAny>,
    catalog: Option<&Bound<'py, PyAny>>,
    model_config: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let e = engine(py, catalog, model_config)?;
    run(py, doc, move |t| e.score_text(t))
}

/// The fewest issue types to fix to reach `target`: a grade (`"B"`, any
/// case) or a hundred-scale score (`"85"`), as `posture improve`.
#[pyfunction]
#[pyo3(signature = (doc, target, catalog=None, model_config=None))]
fn improve<'py>(
    py: Python<'py>,
    doc: &Bound<'py, PyAny>,
    target: &str,
    catalog: Option<&Bound<'py, PyAny>>,
    model_config: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let target: ::posture::Target = target.parse().map_err(|e: posture_core::Error| {
        let err = InputError::new_err(e.to_string());
        let value = err.value(py);
        let _ = value.setattr("code", e.code());
        let _ = value.setattr("path", e.path().unwrap_or("target"));
        let _ = value.setattr("document", 0);
        err
    })?;
    let e = engine(py, catalog, model_config)?;
    run(py, doc, move |t| e.improve_text(t, target))
}

/// A portfolio's score (CSR) with its weights and priorities, as `posture
/// csr`.
#[pyfunction]
#[pyo3(signature = (portfolio, catalog=None, model_config=None))]
fn csr<'py>(
    py: Python<'py>,
    portfolio: &Bound<'py, PyAny>,
    catalog: Option<&Bound<'py, PyAny>>,
    model_config: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let e = engine(py, catalog, model_config)?;
    run(py, portfolio, move |t| e.csr_text(t))
}

/// The built-in issue catalog, as `posture catalog --format json`.
#[pyfunction]
fn catalog(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let text = ::posture::batch::catalog_document(&::posture::Catalog::builtin()).to_string();
    py.import("json")?.getattr("loads")?.call1((text,))
}

/// Scans targets (host names, IPs, CIDR blocks) with the DNS and network
/// checks, classifies and scores what was seen; the GIL is released while
/// it runs. Returns `{"organization", "targets", "observations",
/// "inconclusive", "findings", "scorecard", "queries"}` as `posture scan
/// --format json` does.
#[pyfunction]
#[pyo3(signature = (targets, nameserver=None, timeout_ms=None, deadline_ms=None, checks=None, organization=None, connect_within=None))]
#[allow(clippy::too_many_arguments)]
fn scan<'py>(
    py: Python<'py>,
    targets: Vec<String>,
    nameserver: Option<&str>,
    timeout_ms: Option<u64>,
    deadline_ms: Option<u64>,
    checks: Option<Vec<String>>,
    organization: Option<String>,
    connect_within: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut scanner = ::posture::host::Scanner::default();
    let policy = &mut scanner.config.policy;
    if let Some(ns) = nameserver {
        policy.nameserver =
            Some(ns.parse().map_err(|_| {
                PyValueError::new_err(format!("nameserver: `{ns}` is not IP:PORT"))
            })?);
    }
    if let Some(ms) = timeout_ms {
        policy.timeout = std::time::Duration::from_millis(ms.max(1));
    }
    if let Some(ms) = deadline_ms {
        policy.deadline = std::time::Duration::from_millis(ms.max(1));
    }
    if let Some(nets) = connect_within {
        policy.connect_within = Some(
            nets.iter()
                .map(|n| {
                    n.parse().map_err(|_| {
                        PyValueError::new_err(format!("connect_within: `{n}` is not a CIDR block"))
                    })
                })
                .collect::<PyResult<_>>()?,
        );
    }
    if let Some(list) = checks {
        scanner.config.checks = list
            .iter()
            .map(|c| {
                c.parse()
                    .map_err(|_| PyValueError::new_err(format!("checks: `{c}` is not a check")))
            })
            .collect::<PyResult<_>>()?;
    }
    let org = organization.unwrap_or_else(|| targets.first().cloned().unwrap_or_default());
    let outcome = py
        .detach(|| ::posture::host::blocking::scan(&scanner, &targets, &org))
        .map_err(|e| PyValueError::new_err(format!("{} ({})", e, e.code())))?;
    let doc = ::posture::json::json!({
        "organization": org,
        "targets": targets,
        "observations": outcome.observations,
        "inconclusive": outcome.classification.inconclusive,
        "findings": outcome.classification.document,
        "scorecard": outcome.scorecard,
        "queries": outcome.queries,
    });
    py.import("json")?
        .getattr("loads")?
        .call1((doc.to_string(),))
}

/// The module.
#[pymodule]
fn posture(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("InputError", m.py().get_type::<InputError>())?;
    m.add_function(wrap_pyfunction!(score, m)?)?;
    m.add_function(wrap_pyfunction!(improve, m)?)?;
    m.add_function(wrap_pyfunction!(csr, m)?)?;
    m.add_function(wrap_pyfunction!(catalog, m)?)?;
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    Ok(())
}
