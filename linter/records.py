"""`@record`: the part of `@dataclass` nglint uses, at a fraction of the start-up cost.

A pre-commit hook starts nglint on every commit, so import time is felt. Measured on
`nglint check one.conf` (bench/RESULTS.md): importing `dataclasses` (which imports
`inspect`) and letting it build nglint's classes took ~35 ms of ~105 ms, more than
importing crossplane and lxml together. dataclasses compiles four or five methods per
class and inspects every annotation; `record` compiles only `__init__` and shares one
`__repr__`, `__eq__` and `__hash__` among all classes, driven by each class's field list.

Covered, with dataclasses' meaning: fields from the class's own annotations in order
(base records' fields first), plain defaults, `field(default=, default_factory=, init=,
repr=, compare=, hash=)`, `eq` (default on: equal when same class and same compared
fields; then unhashable unless frozen) and `frozen` (assignment raises
FrozenInstanceError, hash from the compared fields), and `replace()`. Not covered:
ordering, slots, `__post_init__`, ClassVar/InitVar, keyword-only fields.
tests/test_records.py checks each covered behaviour against dataclasses itself.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

T = TypeVar("T")


class _Missing:
    """No default given (distinct from a default of None)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record."""


class Field:
    """One field's name and options, as `field()` declares them."""

    __slots__ = ("name", "default", "default_factory", "init", "repr", "compare", "hash")

    def __init__(self, default: Any, default_factory: Any, init: bool, repr: bool, compare: bool, hash: bool | None) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare
        self.hash = hash

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r}, default_factory={self.default_factory!r})"


def field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | Any = MISSING,
    init: bool = True,
    repr: bool = True,
    compare: bool = True,
    hash: bool | None = None,
) -> Any:
    """Options for one field, as dataclasses.field."""
    return Field(default, default_factory, init, repr, compare, hash)


def fields(cls_or_instance: Any) -> tuple[Field, ...]:
    """The record's fields in declaration order."""
    return cls_or_instance.__record_fields__


def record(cls: type[T] | None = None, *, eq: bool = True, frozen: bool = False) -> Any:
    """Class decorator: add `__init__`, `__repr__`, `__eq__`/`__hash__` from annotations."""

    def wrap(klass: type[T]) -> type[T]:
        return _build(klass, eq, frozen)

    return wrap if cls is None else wrap(cls)


def replace(obj: T, **changes: Any) -> T:
    """A copy of `obj` with some init fields changed, built through `__init__`."""
    for spec in obj.__record_fields__:  # type: ignore[attr-defined]
        if not spec.init:
            if spec.name in changes:
                raise ValueError(f"field {spec.name} is declared with init=False, it cannot be specified with replace()")
            continue
        if spec.name not in changes:
            changes[spec.name] = getattr(obj, spec.name)
    return obj.__class__(**changes)


_MUTABLE_DEFAULTS = (list, dict, set)


def _collect(klass: type) -> list[Field]:
    specs: dict[str, Field] = {}
    for base in reversed(klass.__mro__[1:]):
        for spec in getattr(base, "__record_fields__", ()):
            specs[spec.name] = spec
    for name, annotation in klass.__dict__.get("__annotations__", {}).items():
        if isinstance(annotation, str) and annotation.startswith(("ClassVar", "typing.ClassVar")):
            raise TypeError(f"{klass.__name__}.{name}: ClassVar is not supported by @record")
        value = klass.__dict__.get(name, MISSING)
        if isinstance(value, Field):
            spec = value
        else:
            spec = Field(value, MISSING, True, True, True, None)
        if isinstance(spec.default, _MUTABLE_DEFAULTS):
            raise ValueError(f"mutable default {type(spec.default)} for field {name} is not allowed: use default_factory")
        spec.name = name
        if spec.default is MISSING:
            if name in klass.__dict__:
                delattr(klass, name)
        else:
            setattr(klass, name, spec.default)
        specs[name] = spec
    return list(specs.values())


def _build(klass: type[T], eq: bool, frozen: bool) -> type[T]:
    specs = _collect(klass)
    klass.__record_fields__ = tuple(specs)  # type: ignore[attr-defined]
    klass.__record_compare__ = tuple(s.name for s in specs if s.compare)  # type: ignore[attr-defined]
    klass.__record_hash__ = tuple(  # type: ignore[attr-defined]
        s.name for s in specs if (s.compare if s.hash is None else s.hash)
    )
    klass.__record_repr__ = tuple(s.name for s in specs if s.repr)  # type: ignore[attr-defined]
    klass.__init__ = _make_init(klass, specs, frozen)  # type: ignore[misc]
    if "__repr__" not in klass.__dict__:
        klass.__repr__ = _repr  # type: ignore[assignment]
    if eq and "__eq__" not in klass.__dict__:
        klass.__eq__ = _eq  # type: ignore[assignment]
        klass.__hash__ = _hash if frozen else None  # type: ignore[assignment]
    if frozen:
        klass.__setattr__ = _frozen_setattr  # type: ignore[assignment]
        klass.__delattr__ = _frozen_delattr  # type: ignore[assignment]
    return klass


def _make_init(klass: type, specs: list[Field], frozen: bool) -> Callable[..., None]:
    """An `__init__` for exactly these fields, as fast per call as dataclasses', compiled
    at the class's first instantiation.

    Compiling is most of what defining a record costs (~70 us each), and a run uses only
    some of the records it defines: a one-file check defines ~50 and builds ~20. The
    source is written now, so a declaration error still raises where the class is defined."""
    source, env = _init_source(specs, frozen)
    qualname = f"{klass.__qualname__}.__init__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        namespace = dict(env)
        exec(source, namespace)  # noqa: S102 - source is built from the class's own field names
        init = namespace["__init__"]
        init.__qualname__ = qualname
        if klass.__dict__.get("__init__") is __init__:
            klass.__init__ = init  # type: ignore[misc]
        init(self, *args, **kwargs)

    __init__.__qualname__ = qualname
    return __init__


def _init_source(specs: list[Field], frozen: bool) -> tuple[str, dict[str, Any]]:
    """The source of `__init__` and the names it refers to (defaults, factories)."""
    params: list[str] = []
    body: list[str] = []
    env: dict[str, Any] = {"MISSING": MISSING, "setter": object.__setattr__}
    seen_default = False
    for index, spec in enumerate(specs):
        name = spec.name
        has_default = spec.default is not MISSING or spec.default_factory is not MISSING
        if spec.init:
            if has_default:
                seen_default = True
            elif seen_default:
                raise TypeError(f"non-default argument {name!r} follows default argument")
        if spec.default_factory is not MISSING:
            env[f"factory{index}"] = spec.default_factory
            if spec.init:
                params.append(f"{name}=MISSING")
                value = f"factory{index}() if {name} is MISSING else {name}"
            else:
                value = f"factory{index}()"
        elif spec.init:
            if spec.default is not MISSING:
                env[f"default{index}"] = spec.default
                params.append(f"{name}=default{index}")
            else:
                params.append(name)
            value = name
        elif spec.default is not MISSING:
            env[f"default{index}"] = spec.default
            value = f"default{index}"
        else:
            continue  # init=False without a default: left unset, as dataclasses does
        body.append(f"    setter(self, {name!r}, {value})" if frozen else f"    self.{name} = {value}")
    source = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n"
    return source, env


def _repr(self: Any) -> str:
    parts = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_repr__)
    return f"{self.__class__.__qualname__}({parts})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    names = self.__record_compare__
    return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)


def _hash(self: Any) -> int:
    return hash(tuple(getattr(self, n) for n in self.__record_hash__))


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")
