"""The facade's signatures show what a user passes (issue 22).

``_operation`` builds the internal ``opts`` argument from the call keywords,
so ``help()`` and :func:`inspect.signature` must not list it.
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
def test_a_wrapped_method_shows_its_own_parameters_in_order(name):
    method = getattr(ObjectStorageApi, name)
    own = inspect.signature(method.__wrapped__)
    shown = inspect.signature(method)
    assert list(shown.parameters.values()) == [
        p for p in own.parameters.values() if p.name != "opts"]
    assert shown.return_annotation == own.return_annotation


def test_account_create_reads_as_a_user_calls_it():
    shown = inspect.signature(ObjectStorageApi.account_create)
    assert list(shown.parameters) == ["self", "account"]
    shown.bind(object(), "myaccount")  # what a user passes binds


def test_help_shows_no_opts():
    text = pydoc.render_doc(ObjectStorageApi.account_show, renderer=pydoc.plaintext)
    assert "account_show(self, account" in text
    assert "opts" not in text
