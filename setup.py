"""objclient: one synchronous Python client for many object stores."""

from setuptools import setup

setup()
