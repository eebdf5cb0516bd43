"""The objclient command line on the local backend."""

import json

import pytest

from objclient.cli import main


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OBJCLIENT_URL", f"file://{tmp_path}/store?fsync=0")

    def _run(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return _run


def test_upload_list_download_round_trip(run, tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("alpha")
    (src / "sub" / "b.json").write_text("{}")
    assert run("container", "create", "box")[0] == 0
    code, out, _ = run("-f", "json", "object", "upload", "box", str(src), "--recursive")
    assert code == 0
    assert sorted(r["name"] for r in json.loads(out)) == ["src/a.txt", "src/sub/b.json"]
    code, out, _ = run("-f", "json", "object", "show", "box", "src/sub/b.json")
    assert json.loads(out)["mime_type"] == "application/json"
    assert json.loads(out)["size"] == 2  # the CLI keeps numbers (the facade: OpenIO's '2')
    code, out, _ = run("-f", "value", "object", "list", "box")
    assert out.split("\n")[0].startswith("src/a.txt 5 ")
    dest = tmp_path / "dest"
    assert run("object", "download", "box", "--recursive", "-o", str(dest))[0] == 0
    assert (dest / "src" / "sub" / "b.json").read_text() == "{}"


def test_exit_codes(run):
    assert run("object", "show", "nobox", "x")[0] == 3
    run("container", "create", "full")
    run("object", "upload", "full", __file__)
    code, _out, err = run("container", "delete", "full")
    assert code == 5 and "not empty" in err
    assert run("--url", "gopher://x", "info")[0] == 2
    with pytest.raises(SystemExit) as exc:
        main(["no-such-group"])
    assert exc.value.code == 2


def test_download_refuses_names_escaping_the_folder(run, tmp_path):
    import objclient
    api = objclient.ObjectStorageApi()
    api.object_create(None, "evil", data=b"x", obj_name="../../outside.txt")
    code, _out, err = run("object", "download", "evil", "--recursive", "-o",
                          str(tmp_path / "d"))
    assert code == 2 and "outside" in err
    assert not (tmp_path / "outside.txt").exists()


def test_debug_and_timings_go_to_stderr(run):
    code, out, err = run("--timings", "-f", "json", "container", "list")
    assert code == 0 and json.loads(out) == []


def test_sync_folder_to_store_and_back(run, tmp_path):
    src = tmp_path / "photos"
    (src / "2026").mkdir(parents=True)
    for i in range(5):
        (src / "2026" / f"img{i}.jpg").write_bytes(bytes([i]) * 100)
    store = f"file://{tmp_path}/s2?fsync=0#album/pre/"
    code, out, _ = run("-f", "json", "sync", str(src), store)
    assert code == 0 and json.loads(out)["copied"] == 5
    code, out, _ = run("-f", "json", "sync", str(src), store)
    assert json.loads(out)["skipped"] == 5
    back = tmp_path / "back"
    code, out, _ = run("-f", "json", "sync", store, str(back))
    assert json.loads(out)["copied"] == 5
    assert (back / "2026" / "img3.jpg").read_bytes() == bytes([3]) * 100


def test_profile_add_list_show(run, tmp_path, monkeypatch):
    import os
    import stat
    cfg = tmp_path / "cfg.ini"
    monkeypatch.setenv("OBJCLIENT_CONFIG", str(cfg))
    code, _out, _err = run("profile", "add", "prod", "swift+https://h/auth/v1.0",
                           "user=a:b", "key=sekrit")
    assert code == 0
    assert stat.S_IMODE(os.stat(cfg).st_mode) == 0o600
    code, out, _ = run("-f", "json", "profile", "list")
    assert json.loads(out) == [{"name": "prod"}]
    code, out, _ = run("-f", "json", "profile", "show", "prod")
    assert json.loads(out)["key"] == "****" and "sekrit" not in out
    assert run("profile", "add", "bad", "swift+https://h", "Bad Name=blue")[0] == 2


def test_every_facade_operation_has_a_cli_action(run):
    from objclient.cli import build_parser
    from objclient.cli.completion import _subcommands
    parser = build_parser()
    groups = _subcommands(parser)
    reachable = {f"{g}_{a}".replace("-", "_") for g, sub in groups.items()
                 for a in _subcommands(sub)}
    reachable |= {"object_create", "object_create_ext", "object_fetch", "object_head",
                  "object_get_properties", "object_set_properties", "object_del_properties",
                  "object_delete_many", "container_create_many", "container_get_properties",
                  "container_set_properties", "container_del_properties",
                  "account_get_properties", "account_set_properties",
                  "account_del_properties", "object_list_iter", "container_list_iter",
                  "object_download"}
    # upload/download/show/set/unset/delete cover the names above; the rest map 1:1
    facade = {"account_create", "account_delete", "account_show", "account_list",
              "account_flush", "account_refresh", "container_delete", "container_show",
              "container_list", "container_flush", "container_purge", "container_touch",
              "container_refresh", "container_snapshot", "object_show", "object_list",
              "object_locate", "object_link", "object_truncate", "object_touch",
              "object_temp_url"}
    assert facade - reachable == set()


def test_truncate_touch_snapshot_from_the_cli(run, tmp_path):
    import objclient
    api = objclient.ObjectStorageApi()
    api.object_create(None, "c", data=b"0123456789", obj_name="o")
    assert run("object", "truncate", "c", "o", "4")[0] == 0
    assert run("object", "touch", "c", "o")[0] == 0
    assert run("container", "snapshot", "c", "c2")[0] == 0
    _meta, stream = api.object_fetch(None, "c2", "o")
    assert b"".join(stream) == b"0123"


def _three_objects(run):
    import objclient
    api = objclient.ObjectStorageApi()
    for name in ("a", "b", "c"):
        api.object_create(None, "box", data=name.encode() * 3, obj_name=name)


def test_value_with_column_name_prints_bare_names(run):
    _three_objects(run)
    assert run("object", "list", "box", "-f", "value", "-c", "name") == (0, "a\nb\nc\n", "")


def test_output_options_work_before_the_group_and_after_the_action(run):
    _three_objects(run)
    before = run("-f", "json", "-c", "name", "object", "list", "box")
    after = run("object", "list", "box", "-f", "json", "-c", "Name")
    assert before == after and json.loads(after[1]) == [{"name": n} for n in "abc"]
    code, out, _ = run("-f", "csv", "-c", "name", "object", "list", "box", "-f", "value",
                       "-c", "size", "--sort-column", "name", "--sort-descending")
    assert code == 0 and out == "c 3\nb 3\na 3\n"  # after the action wins; columns add up


def test_limit_and_marker_page_by_hand(run):
    _three_objects(run)
    code, out, err = run("object", "list", "box", "-f", "value", "-c", "name", "--limit", "2")
    assert (code, out) == (0, "a\nb\n") and "--marker b" in err
    code, out, err = run("object", "list", "box", "-f", "value", "-c", "name", "--limit", "2",
                         "--marker", "b")
    assert (code, out, err) == (0, "c\n", "")


def test_an_unknown_column_exits_2_before_printing(run):
    _three_objects(run)
    code, out, err = run("object", "list", "box", "-f", "json", "-c", "colour")
    assert (code, out) == (2, "") and "no column 'colour'" in err


def test_a_missing_container_exits_3_even_when_quiet(run):
    assert run("-q", "object", "list", "nobox")[0] == 3
    assert run("object", "list", "nobox", "-f", "json")[:2] == (3, "")


def test_yaml_output_reads_back(run):
    import yaml
    _three_objects(run)
    code, out, _ = run("object", "list", "box", "-f", "yaml", "-c", "name", "-c", "size")
    assert yaml.safe_load(out) == [{"name": n, "size": 3} for n in "abc"]


def test_main_builds_only_the_chosen_action():
    from objclient.cli import build_parser
    from objclient.cli.commands import _chosen
    from objclient.cli.completion import _options, _subcommands
    assert _chosen(["--url", "file:///x", "-f", "json", "object", "list", "b", "-c", "name"]
                   ) == ("object", "list")
    assert _chosen(["object", "-h"]) == ("object", None)
    assert _chosen(["--version"]) == ("", None)
    groups = _subcommands(build_parser(only="object", only_action="list"))
    assert not _subcommands(groups["container"])
    actions = _subcommands(groups["object"])
    assert "--marker" in _options(actions["list"]) and _options(actions["upload"]) == []
    every = _subcommands(build_parser())
    assert all(_subcommands(every[g]) for g in ("account", "container", "object", "profile",
                                                "token"))
