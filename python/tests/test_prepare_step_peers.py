"""The benchmark's CPU peers of prepare_inputs (bench/prepare_step_peers.py) against the prepare-step oracle, on
small seeded steps: the peer is only a fair yardstick if it computes the same step (and advstep's own timed call
too: the benchmark would be void if it prepared something else)."""

from __future__ import annotations

import os
import sys

import pytest

np = pytest.importorskip("numpy")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))

import prepare_step_peers as peers  # noqa: E402
from prepare_step_arrays import Array  # noqa: E402
from prepare_step_oracle import prepare_inputs  # noqa: E402

INPUTS = ("idx_mapping", "query_start_loc", "cu_num_logits", "num_computed_tokens", "prefill_len",
          "last_sampled_tokens", "draft_tokens", "block_tables")


def _array(a) -> Array:
    return Array(a.ravel().tolist(), a.shape, str(a.dtype))


def small_step(requests: int, seed: int) -> "peers.StepWorkload":
    """A peer workload made small enough for the oracle, with some rows still in their prompt (not decode
    rows) and some at the prompt's edge (the bonus token's guard), which the timed workload never has."""
    w = peers.make_workload(requests, spec=3, context=40, block_size=4, seed=seed)
    rng = np.random.default_rng(seed + 1000)
    lengths = w.num_computed_tokens + 0
    lengths[w.idx_mapping] += np.diff(w.query_start_loc)
    reach = rng.integers(-2, 3, size=lengths.shape[0])  # prefill_len from 2 below to 2 past the new length
    w.prefill_len[:] = np.maximum(lengths + reach, 0)
    return w


def oracle_outputs(w) -> dict:
    out = {name: _array(getattr(w, name)) for name in peers.StepWorkload.OUTPUTS}
    prepare_inputs(**{name: _array(getattr(w, name)) for name in INPUTS}, block_size=w.block_size, **out)
    return {name: a.flat() for name, a in out.items()}


def peer_outputs(w, name: str) -> dict:
    step = peers.PEERS[name](w)
    if step is None:
        pytest.skip(f"{name} is not importable")
    step()
    return {k: getattr(w, k).ravel().tolist() for k in peers.StepWorkload.OUTPUTS}


@pytest.mark.parametrize("impl", ["advstep", "numpy", "torch"])
@pytest.mark.parametrize("requests", [1, 2, 3, 7, 13])
@pytest.mark.parametrize("seed", range(4))
def test_peer_computes_the_oracles_step(impl: str, requests: int, seed: int) -> None:
    w = small_step(requests, seed)
    expected = oracle_outputs(w)
    assert peer_outputs(w, impl) == expected


def test_the_small_steps_hold_prefill_rows_and_guarded_bonus_tokens() -> None:
    """Without both kinds of row the comparison above would not reach the peer's token masks."""
    prefill = guarded = 0
    for seed in range(4):
        w = small_step(13, seed)
        seq_lens = w.num_computed_tokens[w.idx_mapping] + np.diff(w.query_start_loc)
        prompt = w.prefill_len[w.idx_mapping]
        prefill += int(np.sum(seq_lens <= prompt))
        guarded += int(np.sum((seq_lens > prompt) & (seq_lens - np.diff(w.cu_num_logits) < prompt)))
    assert prefill > 0 and guarded > 0


def test_main_prints_a_row_per_request_count(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(peers, "TIME_BUDGET_S", 0.001)
    assert peers.main(["--requests", "1,8", "--impl", "numpy"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[2:]] == ["1", "8"]


def test_report_joins_the_python_and_cpp_figures(tmp_path, capsys: pytest.CaptureFixture) -> None:
    """bench/report_prepare.py: one row per R, the ratios of the medians, and the goal judged at R = 256."""
    import json

    import report_prepare

    py = tmp_path / "py.json"
    py.write_text(json.dumps({"spec": 3, "torch_threads": 1, "results": [
        {"impl": impl, "requests": 256, "tokens": 600, "ns_per_call": ns, "p90_ns": ns * 2, "min_ns": ns}
        for impl, ns in (("advstep", 1000.0), ("numpy", 12000.0), ("torch", 9000.0))]}))
    cpp = tmp_path / "cpp.json"
    cpp.write_text(json.dumps({"benchmarks": [
        {"name": f"prepare_inputs/cpp_api/r=256/repeats:15/real_time_{stat}", "aggregate_name": stat,
         "real_time": ns, "tokens": 610.0} for stat, ns in (("median", 500.0), ("p90", 700.0), ("min", 400.0))]}))
    assert report_prepare.main(["--py", str(py), "--cpp", str(cpp)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| 256 |"))
    assert row.split(" | ")[1:3] == ["600 / 610", "1.0 µs / 2.0 µs"]
    assert "12.0x" in row and "9.0x" in row and "24.0x" in row
    assert "Python API vs numpy peer 12.0x (1.0 µs vs 12.0 µs) -> met" in out
    assert "Python API vs PyTorch CPU peer 9.0x (1.0 µs vs 9.0 µs) -> NOT met" in out
