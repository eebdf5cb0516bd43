"""How results are printed: formats, columns, sorting, widths, streaming."""

import io
import json
import sys

import pytest
import yaml

from objclient.cli.columns import human_size, resolve
from objclient.cli.output import OutputOptions, check_format, render
from objclient.cli.table import BATCH, fit_widths
from objclient.exceptions import InvalidArgument

ROWS = [{"name": "b.txt", "size": 2048, "hash": "aa", "mime_type": "text/plain",
         "mtime": 1796315475.100701},
        {"name": "a.bin", "size": 10, "hash": "bb", "mime_type": None,
         "mtime": 1796315400.5}]
COLUMNS = ["name", "size", "hash", "mime_type", "mtime"]


def show(result, declared=COLUMNS, **options):
    out = io.StringIO()
    render(result, OutputOptions(**options), declared, out=out)
    return out.getvalue()


def test_streamed_json_array_is_what_json_dump_prints():
    assert show(iter(ROWS), format="json") == json.dumps(ROWS, indent=2) + "\n"
    assert json.loads(show(iter(ROWS), format="json", noindent=True)) == ROWS
    assert "\n" not in show(iter(ROWS), format="json", noindent=True).rstrip("\n")
    assert show(iter([]), format="json") == "[]\n"


def test_json_keeps_every_key_and_exact_floats_unless_columns_are_named():
    assert json.loads(show(ROWS, format="json"))[0]["mtime"] == 1796315475.100701
    assert json.loads(show(ROWS, format="json", columns=["Name"])) == [
        {"name": "b.txt"}, {"name": "a.bin"}]


def test_value_with_one_column_prints_bare_names():
    assert show(ROWS, format="value", columns=["name"]) == "b.txt\na.bin\n"


def test_columns_match_keys_titles_and_openstack_names_whatever_the_case():
    assert resolve(["NAME", "Content-Type", "content type", "Last-Modified", "Bytes"],
                   COLUMNS, "-c") == ["name", "mime_type", "mime_type", "mtime", "size"]
    assert resolve(["bytes"], ["name", "bytes"], "-c") == ["bytes"]  # a real key first


def test_an_unknown_column_is_a_usage_error_naming_the_columns():
    with pytest.raises(InvalidArgument, match="no column 'colour'.*name, size"):
        show(ROWS, format="csv", columns=["colour"])


def test_columns_print_in_the_order_given():
    assert show(ROWS, format="csv", columns=["size", "name"]).splitlines() == [
        "size,name", "2048,b.txt", "10,a.bin"]


def test_tables_show_iso_utc_times_and_bytes_machine_formats_exact_values():
    table = show(ROWS, format="table")
    assert "| Last-Modified " in table and "2026-12-03T16:31:15Z" in table
    assert "| 2048 " in table and "1796315475" not in table
    assert "2.0 KiB" in show(ROWS, format="table", human=True)
    assert "1796315475.100701" in show(ROWS, format="csv")
    assert "1796315475.100701" in show(ROWS, format="value")


def test_human_sizes_use_iec_units():
    assert [human_size(n) for n in (0, 1023, 1536, 5 * 1024 ** 3)] == [
        "0 B", "1023 B", "1.5 KiB", "5.0 GiB"]


def test_sort_is_numeric_and_can_be_descending():
    rows = [{"name": "x", "size": 9}, {"name": "y", "size": 10}, {"name": "z", "size": None}]
    assert show(rows, ["name", "size"], format="value", columns=["name"],
                sort_columns=["size"]) == "x\ny\nz\n"
    assert show(rows, ["name", "size"], format="value", columns=["name"],
                sort_columns=["Size"], descending=True) == "z\ny\nx\n"


def test_max_width_narrows_the_widest_columns():
    assert fit_widths([40, 10, 5], 40) == [15, 10, 5]  # 40 - borders = 30
    assert fit_widths([30, 30], 27) == [10, 10]
    assert fit_widths([40, 10], None) == [40, 10]
    lines = show(ROWS, format="table", max_width=40).splitlines()
    assert {len(line) for line in lines} == {40} and "…" in lines[3]


def test_a_table_prints_its_first_batch_before_the_listing_ends():
    out = io.StringIO()
    seen = []

    def rows():
        for n in range(BATCH + 5):
            if n == BATCH + 4:
                seen.append(out.getvalue().count("\n"))
            yield {"name": f"o{n:05d}", "size": n}
    render(rows(), OutputOptions(format="table"), ["name", "size"], out=out)
    assert seen[0] >= BATCH + 3  # header, rules and the whole first batch
    assert out.getvalue().count("| Name ") == 1  # the widths did not change


def test_a_table_starts_again_when_a_later_cell_is_wider():
    rows = [{"name": "a"}] * BATCH + [{"name": "a much longer name"}]
    text = show(rows, ["name"], format="table")
    assert text.count("| Name ") == 2 and "a much longer name |" in text


def test_yaml_listing_and_record_read_back():
    assert yaml.safe_load(show(iter(ROWS), format="yaml")) == ROWS
    assert yaml.safe_load(show(iter([]), format="yaml")) == []
    assert yaml.safe_load(show(ROWS[0], format="yaml", columns=["size"])) == {"size": 2048}


def test_yaml_without_pyyaml_is_a_clear_usage_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(InvalidArgument, match="PyYAML"):
        check_format("yaml")


def test_a_record_prints_as_fields_and_values():
    table = show(ROWS[0], format="table")
    assert "| Field " in table and "| mtime     | 2026-12-03T16:31:15Z |" in table
    assert show(ROWS[0], format="value", columns=["size", "name"]) == "2048\nb.txt\n"
    assert show(ROWS[0], format="csv", columns=["name", "size"]) == "name,size\nb.txt,2048\n"


def test_csv_quoting_follows_quote():
    assert show(ROWS[:1], format="csv", columns=["name", "size"],
                quote="nonnumeric").splitlines()[1] == '"b.txt",2048'
    assert show(ROWS[:1], format="csv", columns=["name", "size"],
                quote="all").splitlines()[1] == '"b.txt","2048"'


def test_mappings_are_json_in_machine_formats_and_pairs_in_tables():
    row = [{"name": "o", "properties": {"k": "v"}}]
    assert show(row, ["name", "properties"], format="value") == 'o {"k": "v"}\n'
    assert "| k=v " in show(row, ["name", "properties"], format="table")
