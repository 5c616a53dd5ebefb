"""The Python module against the CLI and the conformance vectors.

Run by scripts/test after `pip install ./bindings/python` into a
virtualenv; POSTURE_BIN names the CLI built by the same run."""

import json
import os
import pathlib
import subprocess
import threading

import pytest

import posture

ROOT = pathlib.Path(__file__).resolve().parents[3]
CLI = os.environ.get("POSTURE_BIN", str(ROOT / "target" / "debug" / "posture"))


def vectors(name):
    shared = ROOT.parent / "shared" / "testdata" / "scoring" / name
    path = shared if shared.is_file() else ROOT / "tests" / "data" / "scoring" / name
    return json.loads(path.read_text())


def cli(*args, stdin=None):
    out = subprocess.run([CLI, *args], input=stdin, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    values, text, at = [], out.stdout, 0
    decoder = json.JSONDecoder()
    while text[at:].strip():
        value, at = decoder.raw_decode(text, at + len(text[at:]) - len(text[at:].lstrip()))
        values.append(value)
    return values


DOC = {
    "organization": "acme",
    "as_of": "2026-11-01T00:00:00Z",
    "assets": ["acme.example", "192.0.2.0/28"],
    "findings": [
        {"issue": "service_rdp", "asset": "192.0.2.7", "first_seen": "2026-10-01T00:00:00Z",
         "last_seen": "2026-10-30T00:00:00Z", "status": "open"},
        {"issue": "dmarc_policy_none", "asset": "acme.example", "first_seen": "2026-09-01T00:00:00Z",
         "last_seen": "2026-10-30T00:00:00Z", "status": "open"},
    ],
}


def test_version_and_catalog():
    assert posture.__version__ == "0.1.0"
    cat = posture.catalog()
    assert cat["id"] == "posture-builtin"
    assert any(i["id"] == "service_rdp" for i in cat["issues"])


def test_posture_v1_vectors_match_the_spec_and_the_cli(tmp_path):
    data = vectors("posture-v1.json")
    catalog = data["catalog"]
    docs = [c["document"] for c in data["cases"]]
    cards = posture.score(docs, catalog=catalog)
    assert len(cards) == len(docs)
    cat_file = tmp_path / "catalog.json"
    cat_file.write_text(json.dumps(catalog))
    ndjson = "".join(json.dumps(d) + "\n" for d in docs)
    from_cli = cli("score", "--catalog", str(cat_file), "--input", "-", "--format", "json", stdin=ndjson)
    for case, card, other in zip(data["cases"], cards, from_cli):
        want = case["expected"]
        assert card["grade"] == want["grade"], case["name"]
        assert card["score"] == want["score"], case["name"]
        if want["fraction"] is not None:
            assert abs(float(card["fraction"]) - float(want["fraction"])) <= 1e-9, case["name"]
        assert card == other, case["name"]


def test_csr_vectors_match_the_spec():
    data = vectors("csr-v1.json")
    for case in data["cases"]:
        r = posture.csr(case["portfolio"], catalog=data["catalog"])
        assert r["csr"] == case["expected"]["csr"], case["name"]
        assert r["grade"] == case["expected"]["grade"], case["name"]


def test_one_document_a_json_string_and_a_list():
    one = posture.score(DOC)
    assert isinstance(one, dict) and one["organization"] == "acme"
    assert posture.score(json.dumps(DOC)) == one
    assert posture.score(json.dumps(DOC, indent=2)) == one
    many = posture.score([DOC, json.dumps(DOC, indent=2), DOC])
    assert many == [one, one, one]
    assert posture.score([]) == []
    assert posture.score(json.dumps(DOC) + "\n" + json.dumps(DOC)) == [one, one]
    assert posture.score(json.dumps([DOC])) == [one]
    assert one == cli("score", "--input", "-", "--format", "json", stdin=json.dumps(DOC))[0]


def test_improve():
    plan = posture.improve(DOC, target="A")
    assert plan["steps"][0]["issue"] == "service_rdp"
    assert posture.improve(DOC, target="85")["reachable"] is True


def test_errors_raise_input_error_with_code_and_path():
    bad = json.loads(json.dumps(DOC))
    bad["findings"][1]["status"] = "closed"
    with pytest.raises(posture.InputError) as e:
        posture.score([DOC, bad])
    assert isinstance(e.value, ValueError)
    assert e.value.code == "invalid_field"
    assert e.value.path == "findings[1].status"
    assert e.value.document == 2
    assert "document 2" in str(e.value)
    with pytest.raises(posture.InputError) as e:
        posture.score({"organization": "x", "as_of": "2026-11-01T00:00:00Z", "assets": [], "findings": []})
    assert e.value.code == "empty_footprint" and e.value.path == "assets"
    with pytest.raises(posture.InputError) as e:
        posture.improve(DOC, target="Z")
    assert e.value.path == "target"
    with pytest.raises(posture.InputError) as e:
        posture.score(DOC, catalog=[])
    assert e.value.code == "invalid_catalog"
    with pytest.raises(TypeError):
        posture.score({"not": object()})


def test_no_panic_crosses_the_boundary():
    # Hostile inputs of every shape give Python exceptions, never a crash.
    for doc in ["", "{", "\x00", "[" * 10000 + "]" * 10000, '{"organization": "\\udcff"}', 12, None]:
        with pytest.raises((posture.InputError, TypeError, ValueError)):
            posture.score(doc)


def test_batches_run_in_parallel_threads_without_the_gil():
    results = []

    def work():
        results.append(posture.score([DOC] * 200))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(len(r) == 200 for r in results)


def test_scan_refuses_a_name_that_cannot_be_public():
    # Refused before anything is sent: nothing leaves the machine.
    with pytest.raises(ValueError):
        posture.scan(["localhost"], nameserver="127.0.0.1:9")


def test_the_readme_python_example_runs(capsys):
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[1] in "ABCDF" and out[0].endswith("service_rdp")
    assert out[1] == "empty_footprint assets 1"
