"""The facade's signatures show what a user passes (issue 22).

Each method lists its own parameters, then ``**kwargs: Unpack[CallKeywords]``
(the call keywords, from which the method builds its internal ``opts``), so
``help()``, :func:`inspect.signature` and type checkers see the same thing.
"""

import inspect
import pydoc

import pytest

from objclient.api import ObjectStorageApi

PUBLIC = sorted(name for name, value in vars(ObjectStorageApi).items()
                if not name.startswith("_") and inspect.isfunction(value))
WRAPPED = [name for name in PUBLIC if hasattr(getattr(ObjectStorageApi, name), "__wrapped__")]


def test_the_facade_has_wrapped_methods_to_check():
    assert len(WRAPPED) > 30
    assert "account_create" in WRAPPED and "object_fetch" in WRAPPED


@pytest.mark.parametrize("name", PUBLIC)
def test_no_public_method_shows_the_internal_opts_parameter(name):
    assert "opts" not in inspect.signature(getattr(ObjectStorageApi, name)).parameters


@pytest.mark.parametrize("name", WRAPPED)
def test_a_wrapped_method_shows_its_own_signature(name):
    method = getattr(ObjectStorageApi, name)
    assert inspect.signature(method) == inspect.signature(method.__wrapped__)


#: Methods whose ``*args``/``**kwargs`` are another method's own arguments.
FORWARDERS = {"object_analyze", "object_fastcopy", "object_change_policy"}


@pytest.mark.parametrize("name", sorted(set(PUBLIC) - FORWARDERS))
def test_every_keyword_catch_all_is_typed_as_the_call_keywords(name):
    for param in inspect.signature(getattr(ObjectStorageApi, name)).parameters.values():
        if param.kind is param.VAR_KEYWORD:
            assert param.annotation == "Unpack[CallKeywords]", name


def test_account_create_reads_as_a_user_calls_it():
    shown = inspect.signature(ObjectStorageApi.account_create)
    assert list(shown.parameters) == ["self", "account", "kwargs"]
    shown.bind(object(), "myaccount", read_timeout=2.0)  # what a user passes binds


def test_help_shows_the_call_keywords_and_no_opts():
    text = pydoc.render_doc(ObjectStorageApi.account_show, renderer=pydoc.plaintext)
    assert "account_show(self, account" in text
    assert "**kwargs: 'Unpack[CallKeywords]'" in text
    assert "opts" not in text


def test_call_keywords_name_every_option_the_facade_reads():
    from objclient import api
    assert set(api._OPTION_KEYS) <= set(api.CallKeywords.__annotations__)
    assert set(api.CallKeywords.__annotations__) - set(api._OPTION_KEYS) <= api._IGNORED_KEYS


def test_a_misspelled_call_keyword_is_a_type_error_at_run_time(tmp_path):
    api = ObjectStorageApi((tmp_path / "store").as_uri())
    with pytest.raises(TypeError, match="read_timout"):
        api.container_create(None, "box", read_timout=1.0)
    with pytest.raises(TypeError, match="pagesize"):
        list(api.object_list_iter(None, "box", pagesize=3))
    assert api.container_create(None, "box", force_master=True, read_timeout=5.0)


def test_object_create_shows_the_parameters_of_object_create_ext():
    create = inspect.signature(ObjectStorageApi.object_create).parameters
    ext = inspect.signature(ObjectStorageApi.object_create_ext).parameters
    assert list(create.items()) == list(ext.items())
