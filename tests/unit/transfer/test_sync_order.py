"""A side whose server lists in directory-tree order (SeaweedFS's S3
gateway) is listed in byte order one level at a time, in bounded memory,
from any range start; a side that lies about its order still stops the sync."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from objclient.listing import name_key
from objclient.transfer import FolderStore, Location
from objclient.transfer.sync import sync
from objclient.transfer.sync.merge import ListingOrderError, side_listing
from objclient.transfer.sync.ordering import level_marker, listing_order, tree_walk

NAMES = ["a b", "a-b", "a.b", "a.x/y", "a/b", "a/c/d/e/f/g", "a/c/d/e/f/g h", "a/c/d/e/f.g",
         "b/ /c", "b/.x", "b/x", "b0", "d/d/d", "d d", "é", "é/ü", "y", "z/ü/ä"]
NAMES.remove("é")  # a file and a directory of one name cannot coexist on a filer
BYTES = sorted(NAMES, key=name_key)


def _tree_key(name):
    """Directory-tree order: segment by segment, a directory as its name."""
    return [name_key(seg) for seg in name.split("/")]


class TreeLister:
    """A level lister in tree order over ``names`` (and empty ``dirs``),
    recording what was read: ``reads[prefix]`` entries of each level."""

    def __init__(self, names, dirs=()):
        self.names, self.dirs = list(names), list(dirs)
        self.reads = {}
        self.opened = []

    def __call__(self, prefix, marker):
        level = {}
        for name in self.names + self.dirs:
            if not name.startswith(prefix) or name == prefix:
                continue
            head, slash, _rest = name[len(prefix):].partition("/")
            entry = prefix + head + slash
            level[entry] = entry if slash else _Info(entry)
        entries = sorted(level.values(), key=lambda e: _tree_key(_name(e).rstrip("/")))
        self.opened.append((prefix, dict(self.reads)))
        for entry in entries:
            if marker is None or name_key(_name(entry)) > name_key(marker):
                self.reads[prefix] = self.reads.get(prefix, 0) + 1
                yield entry


class _Info:
    def __init__(self, name):
        self.name = name


def _name(entry):
    return entry if isinstance(entry, str) else entry.name


class TreeFolder(FolderStore):
    """A folder that lists as a path-based S3 server does (tree order)."""

    listing_order = "tree"

    def object_list_iter(self, account, container, prefix=None, marker=None, delimiter=None,
                         **kw):
        infos = {o.name: o for o in super().object_list_iter(account, container)}
        lister = TreeLister(list(infos))
        if delimiter is None:  # the whole tree in tree order, as the server sends it
            return iter(sorted(infos.values(), key=lambda o: _tree_key(o.name)))
        return (e if isinstance(e, str) else infos[e.name]
                for e in lister(prefix or "", marker))


def _make(root, names):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode() * 2)


def test_the_tree_order_differs_from_byte_order_for_these_names():
    assert sorted(NAMES, key=_tree_key) != BYTES


def test_a_tree_ordered_level_walk_yields_byte_order_even_through_empty_levels():
    lister = TreeLister(NAMES, dirs=["empty/", "a/c/void/", "a/c/d/e/f/"])
    assert [o.name for o in tree_walk(lister)] == BYTES


@pytest.mark.parametrize("after", NAMES + ["a", "a ", "a/", "a/c/", "a/c/d/e/f", "b/ ", "c",
                                           "zz", "\U0001f600"])
def test_every_range_start_finds_exactly_the_names_after_it(after):
    got = [o.name for o in tree_walk(TreeLister(NAMES), "", after)]
    assert got == [n for n in BYTES if name_key(n) > name_key(after)]


@pytest.mark.parametrize("prefix", ["a/", "a", "a/c/d/e/f", "b/"])
def test_a_prefix_walk_stays_under_the_prefix_even_inside_a_segment(prefix):
    assert [o.name for o in tree_walk(TreeLister(NAMES), prefix)] == \
        [n for n in BYTES if n.startswith(prefix)]
    after = prefix + "/"
    assert [o.name for o in tree_walk(TreeLister(NAMES), prefix, after)] == \
        [n for n in BYTES if n.startswith(prefix) and name_key(n) > name_key(after)]


def test_the_level_marker_stops_before_a_character_below_slash():
    assert level_marker("", "d b") == "d"
    assert level_marker("", "d/x") == "d"
    assert level_marker("a/", "a/c.d/e") == "a/c"
    assert level_marker("", " x") is None
    assert level_marker("b/", "a") is None
    assert level_marker("", None) is None


def test_a_directory_is_held_back_only_until_a_sibling_sorts_after_it():
    names = [f"d{i:04d}/f" for i in range(500)] + ["d0000 x", "d0000.y"]
    lister = TreeLister(names)
    walked = [o.name for o in tree_walk(lister)]
    assert walked == sorted(names, key=name_key)
    for prefix, reads in lister.opened[1:]:
        index = int(prefix[1:5])
        # the root level was read at most to the next directory (plus the
        # two files that sort between d0000 and d0000/) before d<i>/ opened
        assert reads.get("", 0) <= index + 2 + 2, prefix


def test_only_an_s3_with_path_keys_or_a_declaration_lists_in_tree_order(tmp_path):
    class Api:
        backend = "s3"

        class _backend:
            class names:
                path_keys = True

    assert listing_order(Api()) == "tree"
    Api._backend.names.path_keys = False
    assert listing_order(Api()) == "bytes"
    assert listing_order(FolderStore(str(tmp_path))) == "bytes"
    assert listing_order(TreeFolder(str(tmp_path))) == "tree"


def test_sync_from_and_to_a_tree_ordered_side_then_copies_nothing(tmp_path):
    _make(tmp_path / "src", NAMES)
    src = Location(TreeFolder(str(tmp_path / "src")), None, "")
    dst = Location(TreeFolder(str(tmp_path / "dst")), None, "")
    assert [r for r, _i in side_listing(src)] == BYTES
    first = sync(src, dst)
    assert first.copied == len(NAMES) and first.failed == 0
    again = sync(src, dst, executor=ThreadPoolExecutor(2), shard_size=3)
    assert again.copied == 0 and again.skipped == len(NAMES)
    back = Location(FolderStore(str(tmp_path / "back")), None, "")
    assert sync(dst, back, executor=ThreadPoolExecutor(2), shard_size=4).copied == len(NAMES)
    assert sorted(p.relative_to(tmp_path / "back").as_posix()
                  for p in (tmp_path / "back").rglob("*") if p.is_file()) == sorted(NAMES)


def test_a_side_that_lists_in_tree_order_but_says_bytes_still_stops_the_sync(tmp_path):
    _make(tmp_path / "src", NAMES)
    liar = TreeFolder(str(tmp_path / "src"))
    liar.listing_order = "bytes"
    with pytest.raises(ListingOrderError, match="path_keys"):
        sync(Location(liar, None, ""), Location(FolderStore(str(tmp_path / "dst")), None, ""))
