"""Property tests: any name or metadata either round-trips exactly or is
refused up front with InvalidName / InvalidArgument saying why."""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from objclient.contract import Capability
from objclient.exceptions import InvalidArgument, InvalidName

NAME_CHARS = st.characters(blacklist_categories=("Cs",), max_codepoint=0x1FFFF)
TRICKY = st.sampled_from(list("/.%+?#&= \\'\"~*:;@!$,") + ["..", "//", "\t", "\r", "\n",
                                                         "\x00", "é", "名", "🎉"])
NAMES = st.lists(st.one_of(st.text(NAME_CHARS, min_size=1, max_size=6), TRICKY),
                 min_size=1, max_size=6).map("".join)
SETTINGS = settings(max_examples=int(os.environ.get("OBJCLIENT_PROPERTY_EXAMPLES", "15")),
                    deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture(scope="module")
def box(target):
    name = target.new_container_name("prop")
    target.api.container_create(target.account, name)
    yield name
    target.cleanup_container(name)


@SETTINGS
@given(name=NAMES)
def test_any_object_name_round_trips_or_is_refused_up_front(target, box, name):
    api = target.api
    try:
        api.object_create(target.account, box, data=name.encode("utf-8", "surrogatepass"),
                          obj_name=name)
    except (InvalidName, InvalidArgument) as err:
        assert str(err)  # says why
        return
    try:
        _meta, stream = api.object_fetch(target.account, box, name)
        assert b"".join(stream) == name.encode("utf-8")
        listed = [o["name"] for o in api.object_list(target.account, box, prefix=name)["objects"]]
        assert name in listed
    finally:
        api.object_delete(target.account, box, name)


VALUES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)
KEYS = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-"), min_size=1,
               max_size=12).filter(lambda k: k[0].isalnum())


@SETTINGS
@given(props=st.dictionaries(KEYS, VALUES, min_size=1, max_size=4))
def test_any_metadata_round_trips_or_is_refused_up_front(target, box, props):
    target.require(Capability.OBJECT_PROPERTIES)
    api = target.api
    try:
        api.object_create(target.account, box, data=b"m", obj_name="meta", properties=props)
    except (InvalidName, InvalidArgument) as err:
        assert str(err)
        return
    got = api.object_get_properties(target.account, box, "meta")["properties"]
    assert got == props


def test_oversized_metadata_names_the_backend_limit(target, box):
    target.require(Capability.OBJECT_PROPERTIES)
    limit = target.api.names.property_value_max
    with pytest.raises(InvalidArgument, match=str(limit)):
        target.api.object_create(target.account, box, data=b"x", obj_name="big",
                                 properties={"k": "v" * (limit + 1)})
