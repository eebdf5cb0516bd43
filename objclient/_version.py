"""objclient's version, in a module of its own at the bottom layer.

The wire's User-Agent and the CLI's ``--version`` read it from here, not from
the package ``objclient``, whose ``__init__`` reaches up to the facade.
"""

__version__ = "0.1.0"
