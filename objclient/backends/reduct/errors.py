"""``ReductError``: reduct-py's error, inside objclient's typed tree.

reduct-py raises one class, ``ReductError``, with ``status_code`` and
``message``.  objclient raises one class per kind of failure
(:class:`~objclient.exceptions.NoSuchContainer`,
:class:`~objclient.exceptions.Conflict` ...).  The ReductStore client does
both: every error it raises for a server answer or a lost connection is an
instance of :class:`ReductError` *and* of the objclient class, so
``except ReductError`` and ``except NoSuchContainer`` both catch it.
"""

from __future__ import annotations

from typing import Dict, Type

from ...exceptions import ClientError, Conflict

__all__ = ["ReductError", "RecordExists", "reduct_class", "as_reduct_error"]


class ReductError(ClientError):
    """An error of the ReductStore client.

    :attr status_code: the HTTP status (-1 when no answer came, as in reduct-py).
    :attr message: the server's ``x-reduct-error`` message (or what went wrong).
    """

    @property
    def status_code(self) -> int:
        """The HTTP status; -1 when the server did not answer."""
        return -1 if self.status is None else int(self.status)


class RecordExists(ReductError, Conflict):
    """A record with this timestamp already exists and is not the one this
    call wrote (409 ``A record with timestamp ... already exists``).

    ReductStore never overwrites a record, so objclient never moves the
    write to another timestamp: the caller decides.
    """


_CLASSES: Dict[Type[ClientError], Type[ReductError]] = {}


def reduct_class(base: Type[ClientError]) -> Type[ReductError]:
    """The subclass of both :class:`ReductError` and ``base`` (made once).

    It keeps ``base``'s name, so messages and reprs read as before.
    """
    if issubclass(base, ReductError):
        return base
    cls = _CLASSES.get(base)
    if cls is None:
        cls = type(base.__name__, (ReductError, base),
                   {"__doc__": f"{base.__name__}, as a :class:`ReductError`.",
                    "__module__": __name__})
        _CLASSES[base] = cls
        globals().setdefault(base.__name__, cls)  # so pickle finds it by name
    return cls


def as_reduct_error(err: ClientError) -> ReductError:
    """``err`` as an instance of ``reduct_class(type(err))``, same fields."""
    if isinstance(err, ReductError):
        return err
    cls = reduct_class(type(err))
    new = cls.__new__(cls)
    new.__dict__.update(err.__dict__)
    new.args = err.args
    new.__traceback__ = err.__traceback__
    return new
