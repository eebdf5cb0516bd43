"""The ListObjects reader: the quick scan reads what the XML parser reads,
and leaves to the parser every page it might read otherwise."""

import pytest

from objclient.backends.s3 import xml as s3xml
from objclient.backends.s3.xml import parse, parse_listing
from objclient.exceptions import ServerError

NS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def page(*entries: str, tail: str = "<IsTruncated>false</IsTruncated>",
         head: str = '<?xml version="1.0" encoding="UTF-8"?>\n') -> bytes:
    return (f"{head}<ListBucketResult{NS}><Name>b</Name>{''.join(entries)}{tail}"
            "</ListBucketResult>").encode("utf-8")


def entry(key: str, etag: str = "&#34;d41d8cd98f00b204e9800998ecf8427e&#34;",
          order: tuple = ("Key", "ETag", "Size", "StorageClass", "LastModified"),
          sep: str = "") -> str:
    values = {"Key": key, "ETag": etag, "Size": "12", "StorageClass": "STANDARD",
              "LastModified": "2026-11-25T06:45:05.000Z"}
    inner = sep.join(f"<{tag}>{values[tag]}</{tag}>" for tag in order)
    return f"<Contents>{sep}{inner}{sep}</Contents>"


def parsed_whole(body: bytes) -> list:
    """What the XML parser reads of each entry."""
    out = []
    for item in parse(body).iterfind("Contents"):
        fields = {child.tag: child.text or "" for child in item}
        out.append(tuple(fields.get(tag) for tag in s3xml.ENTRY_FIELDS))
    return out


def scanned(body: bytes) -> bool:
    """Whether the quick scan reads ``body`` (not the parser)."""
    try:
        s3xml._scan_listing(body)
        return True
    except s3xml._Unusual:
        return False


@pytest.mark.parametrize("body", [
    page(entry("a"), entry("b"), entry("c/d")),
    page(entry("a", order=("Key", "LastModified", "ETag", "Size", "StorageClass"))),
    page(entry("a", sep="\n  "), entry("b", sep="\n  "), tail="\n<IsTruncated>true</IsTruncated>"
         "<NextContinuationToken>tok</NextContinuationToken>\n"),
    page(entry("x &amp; y &lt;z&gt; &#233;&#xE9;"), entry("q", etag="&quot;abc-2&quot;")),
    page(entry("a", order=("Key", "ETag", "Size"))),  # no StorageClass, no LastModified
    page(entry("a"), tail="<CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes>"
         "<IsTruncated>false</IsTruncated>"),
    page(entry("é/ü"), head=""),
], ids=["canonical", "aws-order", "pretty", "references", "fewer-fields", "prefixes",
        "no-declaration"])
def test_the_scan_reads_what_the_parser_reads(body):
    assert scanned(body)
    root, entries = parse_listing(body)
    assert entries == parsed_whole(body)
    assert root.find("Contents") is None  # the entries are not parsed twice
    assert root.findtext("Name") == "b"
    assert [p.text for p in root.iter("Prefix")] == [p.text for p in parse(body).iter("Prefix")]


@pytest.mark.parametrize("body", [
    page(entry("a"), "<Contents><Key>b</Key><Owner><ID>1</ID></Owner></Contents>"),
    page("<Contents><Key>a</Key><Owner><ID>1</ID></Owner></Contents>"),
    page(entry("a"), entry("b", order=("ETag", "Key", "Size", "StorageClass",
                                       "LastModified"))),
    page(entry("a"), '<Contents><Key>b</Key><Size id="1">3</Size></Contents>'),
    page(entry("a"), "<Contents><Key>b<!-- c --></Key></Contents>"),
    page(entry("<![CDATA[a&b]]>")),
    page(entry("a"), "<Contents><Key>b</Key><Key>c</Key></Contents>"),
    page("<Contents><Key>a</Key><Key>b</Key></Contents>"),
    page(entry("a"), head="<?xml version='1.0' encoding='ISO-8859-1'?>\n"),
], ids=["nested-later", "nested-first", "other-order-later", "attribute", "comment",
        "cdata", "repeated-later", "repeated-first", "latin-1"])
def test_pages_the_scan_might_misread_go_to_the_parser(body):
    assert not scanned(body)
    _root, entries = parse_listing(body)
    assert entries == parsed_whole(body)


@pytest.mark.parametrize("body", [
    page(entry("a &bogus; b")),
    page(entry("a & b")),
    page(entry("a &#0; b")),
    page(entry("a"), tail="<IsTruncated>false</IsTruncated"),
    page(entry("a")).replace(b"encoding", b"\xff\xfe"),
])
def test_what_the_parser_refuses_is_refused(body):
    with pytest.raises(ServerError):
        parse_listing(body)


def test_a_doctype_is_refused_not_scanned():
    body = page(entry("&a;")).replace(b"<ListBucketResult",
                                      b'<!DOCTYPE x [<!ENTITY a "b">]><ListBucketResult', 1)
    with pytest.raises(ServerError, match="DOCTYPE"):
        parse_listing(body)


def test_an_empty_page_has_no_entries():
    root, entries = parse_listing(page(tail="<IsTruncated>false</IsTruncated>"))
    assert entries == [] and root.findtext("IsTruncated") == "false"


def test_request_bodies_escape_text_as_xml_sax_does():
    from xml.sax.saxutils import escape as sax_escape
    for text in ("plain", "a&b<c>d", "&amp; already", "\"quotes\" 'kept'", "é/日本"):
        assert s3xml.escape(text) == sax_escape(text)
    assert b"<Key>a&amp;b&lt;c&gt;</Key>" in s3xml.delete_body(["a&b<c>"])
