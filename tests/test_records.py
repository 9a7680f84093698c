"""`nglint.records.record` behaves as `dataclasses.dataclass` on the subset nglint uses.

Each test declares the same class twice, once with each decorator, and compares what
callers can observe: constructor, defaults, repr, equality, hashing, freezing, replace,
pickling.
"""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from nglint import records


def twins(frozen: bool = False, eq: bool = True):
    """(dataclass version, record version) of one class with every kind of field."""

    def declare(decorate, field):
        @decorate(frozen=frozen, eq=eq)
        class Sample:
            name: str
            line: int
            column: int = 0
            tags: list = field(default_factory=list)
            note: str | None = field(default=None, compare=False)
            cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

        return Sample

    return declare(dataclasses.dataclass, dataclasses.field), declare(records.record, records.field)


@pytest.mark.parametrize("frozen", [False, True])
def test_constructor_defaults_and_repr_match_dataclasses(frozen):
    dc, rec = twins(frozen=frozen)
    for args, kwargs in [(("a", 1), {}), (("a", 1, 2, ["x"]), {"note": "n"}), ((), {"line": 3, "name": "b"})]:
        want, got = dc(*args, **kwargs), rec(*args, **kwargs)
        assert repr(got) == repr(want)
        assert (got.name, got.line, got.column, got.tags, got.note, got.cache) == (
            want.name, want.line, want.column, want.tags, want.note, want.cache,
        )


def test_default_factories_give_each_instance_its_own_object():
    _, rec = twins()
    first, second = rec("a", 1), rec("a", 1)
    first.tags.append("x")
    first.cache["k"] = 1
    assert second.tags == [] and second.cache == {}


@pytest.mark.parametrize("frozen", [False, True])
def test_equality_uses_compared_fields_of_the_same_class(frozen):
    dc, rec = twins(frozen=frozen)
    for cls in (dc, rec):
        assert cls("a", 1, note="x") == cls("a", 1, note="y")  # note has compare=False
        assert cls("a", 1) != cls("a", 2)
    assert rec("a", 1) != dc("a", 1)  # different classes are never equal, as in dataclasses


def test_hashing_follows_dataclasses():
    dc, rec = twins()
    with pytest.raises(TypeError):
        hash(dc("a", 1))
    with pytest.raises(TypeError):
        hash(rec("a", 1))  # eq without frozen: unhashable

    @records.record(frozen=True)
    class Point:
        x: int
        y: int = 0
        label: str = records.field(default="", compare=False)

    assert hash(Point(1, 2, "a")) == hash(Point(1, 2, "b"))
    assert len({Point(1, 2), Point(1, 2), Point(2, 1)}) == 2


def test_eq_false_keeps_identity_equality_and_hash():
    _, rec = twins(eq=False)
    one = rec("a", 1)
    assert one != rec("a", 1) and one == one
    assert hash(one) == object.__hash__(one)


def test_frozen_records_refuse_assignment_and_deletion():
    _, rec = twins(frozen=True)
    item = rec("a", 1)
    with pytest.raises(AttributeError):
        item.name = "b"
    with pytest.raises(records.FrozenInstanceError):
        del item.line
    assert item.name == "a"


@pytest.mark.parametrize("frozen", [False, True])
def test_replace_builds_a_changed_copy(frozen):
    dc, rec = twins(frozen=frozen)
    want = dataclasses.replace(dc("a", 1, 2, ["t"]), line=5)
    got = records.replace(rec("a", 1, 2, ["t"]), line=5)
    assert repr(got) == repr(want)
    with pytest.raises(ValueError):
        records.replace(rec("a", 1), cache={})  # init=False fields cannot be replaced


def test_records_survive_pickling():
    # --jobs sends parsed files between processes; Location is frozen, ParsedFile is not.
    from nglint.findings import Location
    from nglint.sources.nginx.parse import ParsedFile

    for item in (Location("a.conf", 3, 5), ParsedFile("a.conf", [{"directive": "x"}], [(1, "c")], "err", 2)):
        assert pickle.loads(pickle.dumps(item)) == item


def test_declaration_errors_match_dataclasses():
    for decorate, field in [(dataclasses.dataclass, dataclasses.field), (records.record, records.field)]:
        with pytest.raises(TypeError):
            @decorate
            class Bad:
                a: int = 0
                b: int

        with pytest.raises(ValueError):
            @decorate
            class Mutable:
                a: list = []  # noqa: RUF012

        with pytest.raises(ValueError):
            field(default=1, default_factory=list)


def test_missing_arguments_are_a_type_error():
    _, rec = twins()
    with pytest.raises(TypeError):
        rec("a")
    with pytest.raises(TypeError):
        rec("a", 1, unknown=2)


def test_fields_of_a_base_record_come_first():
    @records.record
    class Base:
        path: str

    @records.record
    class Child(Base):
        line: int = 1

    assert [f.name for f in records.fields(Child)] == ["path", "line"]
    assert repr(Child("p", 2)) == "test_fields_of_a_base_record_come_first.<locals>.Child(path='p', line=2)"


@pytest.mark.parametrize("frozen", [False, True])
def test_init_compiled_at_first_use_behaves_the_same_before_and_after(frozen):
    """`__init__` is compiled when the class is first instantiated (defining a record is
    then nearly free); the first instance and later ones are built alike."""
    _, rec = twins(frozen=frozen)
    stub = rec.__init__
    first = rec("a", 1, tags=["x"])
    assert rec.__init__ is not stub and rec.__init__.__qualname__ == stub.__qualname__
    assert first == rec("a", 1, tags=["x"]) and repr(first) == repr(rec("a", 1, tags=["x"]))
    assert first.cache == {} and first.cache is not rec("a", 1).cache


def test_a_plain_subclass_built_first_compiles_its_records_init():
    @records.record
    class Base:
        path: str
        line: int = 1

    class Plain(Base):
        def where(self) -> str:
            return f"{self.path}:{self.line}"

    assert Plain("p", 3).where() == "p:3" and Base("q").line == 1
    with pytest.raises(TypeError):
        Plain()
