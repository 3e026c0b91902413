"""Record classes: what ``@dataclass`` gives rsdock's models, without compiling code at import.

``dataclasses.dataclass`` writes each class's ``__init__``, ``__repr__``, ``__eq__`` and
``__hash__`` (and a frozen class's ``__setattr__`` and ``__delattr__``) as source text and
compiles it, about 0.1 ms per method; with ``inspect`` and ``ast`` imported for it, that was a
third of the import time of ``rsdock lint`` (57 classes on its start-up path; see
``benchmarks/README.md``). :func:`record` gives the same classes the same behaviour from
closures over the field list, built in microseconds: keyword and positional construction,
defaults and ``field(default_factory=...)``, ``__post_init__``, value equality and hashing,
``order``, frozen instances, inheritance of fields, and :func:`replace`. Only a class built
often (:data:`HOT` times) gets a compiled ``__init__``, a dataclass's, once it has paid for
itself.

Instances keep their fields in ``__dict__`` (no ``__slots__``), so ``functools.cached_property``
and ``object.__setattr__`` in ``__post_init__`` work as with a dataclass. What is left out, as
rsdock does not use it: ``slots``, ``kw_only``, ``InitVar``, ``unsafe_hash``, ``fields()`` and
``asdict()``. Type checkers see a dataclass (``typing.dataclass_transform``).
"""

from __future__ import annotations

import _thread
from operator import attrgetter
from typing import Any, Callable, ClassVar, TypeVar, dataclass_transform, overload

__all__ = ["FrozenInstanceError", "field", "record", "replace"]

_T = TypeVar("_T")
_C = TypeVar("_C", bound=type)


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class FrozenInstanceError(AttributeError):
    """Assigning to (or deleting) a field of a frozen record."""


class Field:
    """One field of a record: its name, default or default factory, and where it takes part."""

    __slots__ = ("name", "default", "default_factory", "init", "repr", "compare")

    def __init__(self, default: Any, default_factory: Any, init: bool, repr: bool,
                 compare: bool) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r})"


@overload
def field(*, default: _T, init: bool = ..., repr: bool = ..., compare: bool = ...) -> _T: ...
@overload
def field(*, default_factory: Callable[[], _T], init: bool = ..., repr: bool = ...,
          compare: bool = ...) -> _T: ...
@overload
def field(*, init: bool = ..., repr: bool = ..., compare: bool = ...) -> Any: ...
def field(*, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True,
          repr: bool = True, compare: bool = True) -> Any:
    """A field with options, as :func:`dataclasses.field`."""
    return Field(default, default_factory, init, repr, compare)


def _is_classvar(annotation: object) -> bool:
    if isinstance(annotation, str):  # ``from __future__ import annotations``
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return getattr(annotation, "__origin__", annotation) is ClassVar


_RESERVED = ("self", "_v", "_MISSING")


def _own_fields(cls: type) -> list[Field]:
    fields = []
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if _is_classvar(annotation):
            continue
        if name in _RESERVED or name.startswith(("_default_", "_factory_", "_later_")):
            raise TypeError(f"{cls.__qualname__}: a record field may not be named {name!r}")
        value = cls.__dict__.get(name, MISSING)
        if isinstance(value, Field):
            spec = value
            if spec.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, spec.default)
        else:
            spec = Field(value, MISSING, True, True, True)
        if isinstance(spec.default, (list, dict, set)):
            raise ValueError(f"mutable default {type(spec.default)} for field {name} is not "
                             "allowed: use default_factory")
        spec.name = name
        fields.append(spec)
    return fields


def _all_fields(cls: type) -> list[Field]:
    by_name: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for spec in base.__dict__.get("__record_fields__", ()):
            by_name[spec.name] = spec
    for spec in _own_fields(cls):
        by_name.pop(spec.name, None)  # a redefined field takes its new place, as in a dataclass
        by_name[spec.name] = spec
    return list(by_name.values())


def _key(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of the named attributes of an instance."""
    if not names:
        return lambda _self: ()
    if len(names) == 1:
        (name,) = names
        return lambda self: (getattr(self, name),)
    getter: Callable[[Any], tuple[Any, ...]] = attrgetter(*names)
    return getter


def _make_init(cls: type, fields: list[Field]) -> Callable[..., None]:
    init_fields = [f for f in fields if f.init]
    names = tuple(f.name for f in init_fields)
    count = len(names)
    defaults = {f.name: f.default for f in init_fields if f.default is not MISSING}
    factories = {f.name: f.default_factory for f in init_fields
                 if f.default_factory is not MISSING}
    seen_default = False
    for f in init_fields:
        if f.name in defaults or f.name in factories:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
    later = [(f.name, f.default, f.default_factory) for f in fields
             if not f.init and (f.default is not MISSING or f.default_factory is not MISSING)]
    post_init = getattr(cls, "__post_init__", None) is not None
    qualname = cls.__qualname__
    calls = 0

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == HOT and cls.__dict__.get("__init__") is __init__:
            setattr(cls, "__init__", _compiled_init(cls, init_fields, later, post_init))
        given = len(args)
        if given > count:
            raise TypeError(f"{qualname}.__init__() takes {count + 1} positional arguments but "
                            f"{given + 1} were given")
        values = self.__dict__
        values.update(zip(names, args))
        if given < count or kwargs:
            for name in names[given:]:
                if name in kwargs:
                    values[name] = kwargs.pop(name)
                elif name in defaults:
                    values[name] = defaults[name]
                elif name in factories:
                    values[name] = factories[name]()
                else:
                    raise TypeError(f"{qualname}.__init__() missing required argument: "
                                    f"{name!r}")
            if kwargs:
                name = next(iter(kwargs))
                why = "multiple values for argument" if name in names else (
                    "an unexpected keyword argument")
                raise TypeError(f"{qualname}.__init__() got {why} {name!r}")
        for name, default, factory in later:
            values[name] = default if factory is MISSING else factory()
        if post_init:
            self.__post_init__()

    __init__.__qualname__ = f"{qualname}.__init__"
    return __init__


# A class constructed this often gets a compiled __init__ (as a dataclass has from the start):
# compiling costs about 0.1 ms, what ~200 calls of the generic one lose to it (0.75 against
# 0.2 us for nine positional fields); most records are built a handful of times per run, the
# shell and Dockerfile models tens of thousands of times on a big Dockerfile.
HOT = 200


def _compiled_init(cls: type, init_fields: list[Field],
                   later: list[tuple[str, Any, Any]], post_init: bool) -> Callable[..., None]:
    """The generic ``__init__``'s behaviour as a function with the fields as parameters."""
    namespace: dict[str, Any] = {"_MISSING": MISSING}
    params, body = [], ["    _v = self.__dict__"]
    for index, f in enumerate(init_fields):
        if f.default is not MISSING:
            namespace[f"_default_{index}"] = f.default
            params.append(f"{f.name}=_default_{index}")
        elif f.default_factory is not MISSING:
            namespace[f"_factory_{index}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            body.append(f"    if {f.name} is _MISSING: {f.name} = _factory_{index}()")
        else:
            params.append(f.name)
        body.append(f"    _v[{f.name!r}] = {f.name}")
    for index, (name, default, factory) in enumerate(later):
        namespace[f"_later_{index}"] = default if factory is MISSING else factory
        body.append(f"    _v[{name!r}] = _later_{index}" + ("" if factory is MISSING else "()"))
    if post_init:
        body.append("    self.__post_init__()")
    # field names are identifiers (annotations), and none may shadow the function's own names
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body)
    exec(source, namespace)  # noqa: S102 (the text is built from identifiers only)
    function: Callable[..., None] = namespace["__init__"]
    function.__qualname__ = f"{cls.__qualname__}.__init__"
    return function


_repr_running: set[tuple[int, int]] = set()


def _make_repr(fields: list[Field]) -> Callable[[Any], str]:
    names = tuple(f.name for f in fields if f.repr)

    def __repr__(self: Any) -> str:
        key = (id(self), _thread.get_ident())
        if key in _repr_running:
            return "..."
        _repr_running.add(key)
        try:
            parts = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        finally:
            _repr_running.discard(key)
        return f"{type(self).__qualname__}({parts})"

    return __repr__


def _make_compare(key: Callable[[Any], tuple[Any, ...]],
                  test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    def compare(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return test(key(self), key(other))
    return compare


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _set(cls: type, name: str, value: Any) -> None:
    """Add a method the class body did not write itself (as a dataclass does)."""
    if name not in cls.__dict__:
        setattr(cls, name, value)


def _build(cls: _C, frozen: bool, eq: bool, order: bool) -> _C:
    for base in cls.__mro__[1:]:
        if "__record_fields__" in base.__dict__ and base.__dict__["__record_frozen__"] != frozen:
            raise TypeError("cannot inherit frozen record from a non-frozen one, or the other "
                            "way round")
    fields = _all_fields(cls)
    setattr(cls, "__record_fields__", tuple(fields))
    setattr(cls, "__record_frozen__", frozen)
    _set(cls, "__init__", _make_init(cls, fields))
    _set(cls, "__repr__", _make_repr(fields))
    _set(cls, "__match_args__", tuple(f.name for f in fields if f.init))
    key = _key(tuple(f.name for f in fields if f.compare))
    if eq:
        _set(cls, "__eq__", _make_compare(key, lambda a, b: a == b))
        own_hash = cls.__dict__.get("__hash__", MISSING)
        if own_hash is MISSING or own_hash is None:  # a class body with __eq__ gets None
            setattr(cls, "__hash__", (lambda self: hash(key(self))) if frozen else None)
    if order:
        if not eq:
            raise ValueError("eq must be true if order is true")
        for name, test in (("__lt__", lambda a, b: a < b), ("__le__", lambda a, b: a <= b),
                           ("__gt__", lambda a, b: a > b), ("__ge__", lambda a, b: a >= b)):
            if name in cls.__dict__:
                raise TypeError(f"cannot overwrite attribute {name} in class {cls.__name__}")
            setattr(cls, name, _make_compare(key, test))
    if frozen:
        setattr(cls, "__setattr__", _frozen_setattr)
        setattr(cls, "__delattr__", _frozen_delattr)
    return cls


@overload
def record(cls: _C, /) -> _C: ...
@overload
def record(*, frozen: bool = ..., eq: bool = ..., order: bool = ...) -> Callable[[_C], _C]: ...
@dataclass_transform(field_specifiers=(field, Field))
def record(cls: Any = None, /, *, frozen: bool = False, eq: bool = True,
           order: bool = False) -> Any:
    """A record class: ``@record`` or ``@record(frozen=True, eq=..., order=...)``."""
    if cls is None:
        return lambda c: _build(c, frozen, eq, order)
    return _build(cls, frozen, eq, order)


def replace(obj: _T, /, **changes: Any) -> _T:
    """A copy of the record ``obj`` with ``changes``, through its ``__init__``."""
    for spec in obj.__record_fields__:  # type: ignore[attr-defined]
        if not spec.init:
            if spec.name in changes:
                raise ValueError(f"field {spec.name} is declared with init=False, it cannot be "
                                 "specified with replace()")
        elif spec.name not in changes:
            changes[spec.name] = getattr(obj, spec.name)
    return obj.__class__(**changes)
