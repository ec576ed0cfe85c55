"""Consecutive print chunks of a cell render as one output box (reader report 2, part D)."""

from __future__ import annotations

import nbformat

from plugins.fromscratch.notebooks.cache import coalesce_streams, merge_outputs


def _stream(name: str, text: str):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_consecutive_stdout_chunks_become_one_output() -> None:
    plot = nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"})
    outputs = [_stream("stdout", "header\n"), _stream("stdout", "row 2\n"), _stream("stdout", "row 10\n"),
               _stream("stderr", "warning\n"), plot, _stream("stdout", "after\n")]
    joined = coalesce_streams(outputs)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in joined] == [
        ("stream", "stdout", "header\nrow 2\nrow 10\n"),
        ("stream", "stderr", "warning\n"),
        ("display_data", None, None),
        ("stream", "stdout", "after\n"),
    ]
    nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=joined)]))


def test_merge_outputs_joins_the_executed_cells_streams() -> None:
    source = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1); print(2)")])
    executed = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "print(1); print(2)", outputs=[_stream("stdout", "1\n"), _stream("stdout", "2\n")])])
    merged = merge_outputs(source, executed)
    assert [o.text for o in merged.cells[0].outputs] == ["1\n2\n"]
