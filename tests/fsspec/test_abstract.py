"""fsspec's own abstract test suite (``fsspec.tests.abstract``) on every target."""

from __future__ import annotations

import pytest
from fsspec.tests.abstract import (AbstractCopyTests, AbstractFixtures, AbstractGetTests,
                                   AbstractOpenTests, AbstractPipeTests, AbstractPutTests)


class ObjclientFixtures(AbstractFixtures):
    """The fixtures fsspec asks of a filesystem: s3fs's choices (``os.path.join``,
    no empty directories)."""

    @pytest.fixture
    def fs(self, objclient_fs):
        return objclient_fs

    @pytest.fixture
    def fs_path(self, objclient_container):
        return objclient_container

    @pytest.fixture
    def supports_empty_directories(self):
        return False


class TestCopy(AbstractCopyTests, ObjclientFixtures):
    pass


class TestGet(AbstractGetTests, ObjclientFixtures):
    pass


class TestPut(AbstractPutTests, ObjclientFixtures):
    pass


class TestPipe(AbstractPipeTests, ObjclientFixtures):
    pass


class TestOpen(AbstractOpenTests, ObjclientFixtures):
    pass
