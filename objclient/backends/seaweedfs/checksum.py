"""CRC-32C (Castagnoli): the checksum in a SeaweedFS volume server's ETag.

A volume server answers an upload, a GET and a HEAD with
``ETag: "xxxxxxxx"``: the CRC-32C of the blob's bytes as 8 hex digits (not
an MD5; checked against this server: ``hello world`` gives ``c99465aa``).
The CRC itself is objclient's one implementation
(:mod:`objclient.integrity`: the ``crc32c`` package when it is
installed, else a table-driven one in pure Python at about 6 MB/s, which is
why whole-blob verification on reads can be turned off or bounded, see
``verify_limit``).
"""

from __future__ import annotations

from ...integrity import Crc32c, crc32c

__all__ = ["crc32c", "Crc32c"]
