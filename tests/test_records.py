"""``rsdock.records``: the models' record classes behave as the dataclasses they replace."""

from __future__ import annotations

import copy
import dataclasses
import functools
import pickle

import pytest

from rsdock import records
from rsdock.records import FrozenInstanceError, field, record, replace


@record(frozen=True, order=True)
class Point:
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list, compare=False)
    note: str = field(default="", repr=False)


@record
class Box:
    items: list[int] = field(default_factory=list)
    size: int = 1


@record(frozen=True)
class Labelled(Point):
    label: str = "?"


@record(frozen=True, eq=False)
class ByIdentity:
    name: str


@record(frozen=True)
class Checked:
    low: int
    high: int
    span: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")
        object.__setattr__(self, "span", self.high - self.low)

    @functools.cached_property
    def middle(self) -> float:
        return (self.low + self.high) / 2


# The same classes as dataclasses, to compare against.
@dataclasses.dataclass(frozen=True, order=True)
class DPoint:
    x: int
    y: int = 0
    tags: list[str] = dataclasses.field(default_factory=list, compare=False)
    note: str = dataclasses.field(default="", repr=False)


def test_construction_by_position_keyword_and_default():
    assert Point(1).y == 0 and Point(1, 2).y == 2 and Point(x=1, y=3).y == 3
    assert Point(1).tags == [] and Point(1).tags is not Point(1).tags  # a fresh default each time
    assert Point(1, note="n").note == "n"


@pytest.mark.parametrize(("args", "kwargs"), [
    ((), {}), ((1, 2, [], "", 5), {}), ((1,), {"x": 2}), ((1,), {"z": 2}),
])
def test_bad_arguments_raise_type_error_as_a_dataclass_does(args, kwargs):
    with pytest.raises(TypeError):
        DPoint(*args, **kwargs)
    with pytest.raises(TypeError, match=r"Point\.__init__\(\)"):
        Point(*args, **kwargs)


def test_equality_hash_and_repr_match_the_dataclass():
    assert Point(1, 2, ["a"]) == Point(1, 2, ["b"])  # tags do not compare
    assert Point(1, 2) != Point(1, 3)
    assert hash(Point(1, 2, ["a"])) == hash(Point(1, 2, ["b"]))
    assert len({Point(1), Point(1), Point(2)}) == 2
    assert repr(Point(1, 2, ["a"], note="hidden")) == "Point(x=1, y=2, tags=['a'])"
    assert repr(DPoint(1, 2, ["a"], note="hidden")).replace("DPoint", "Point") == repr(
        Point(1, 2, ["a"], note="hidden"))
    assert Point(1) != DPoint(1) and Point(1) != (1, 0)  # another class is never equal


def test_order_compares_fields_in_order():
    assert sorted([Point(2, 0), Point(1, 5), Point(1, 2)]) == [Point(1, 2), Point(1, 5),
                                                                 Point(2, 0)]
    assert Point(1) <= Point(1) and Point(2) > Point(1, 9) and Point(2) >= Point(2)
    with pytest.raises(TypeError):
        Point(1) < DPoint(1)  # noqa: B015


def test_frozen_records_refuse_assignment_and_deletion():
    point = Point(1)
    with pytest.raises(FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):  # FrozenInstanceError is an AttributeError
        del point.x  # type: ignore[misc]
    assert point.x == 1


def test_mutable_records_are_mutable_and_unhashable():
    box = Box()
    box.size = 3
    box.items.append(1)
    assert box == Box([1], 3)
    with pytest.raises(TypeError):
        hash(box)


def test_eq_false_keeps_identity():
    a, b = ByIdentity("x"), ByIdentity("x")
    assert a != b and a == a and len({a, b}) == 2


def test_inherited_fields_come_first():
    labelled = Labelled(1, 2, label="here")
    assert (labelled.x, labelled.y, labelled.label) == (1, 2, "here")
    assert repr(labelled) == "Labelled(x=1, y=2, tags=[], label='here')"
    assert labelled != Point(1, 2)
    with pytest.raises(TypeError):
        @record  # a mutable record cannot extend a frozen one
        class Loose(Point):
            z: int = 0


def test_post_init_and_init_false_fields():
    checked = Checked(2, 5)
    assert checked.span == 3 and checked.middle == 3.5  # cached_property works on frozen
    with pytest.raises(ValueError, match="low above high"):
        Checked(5, 2)
    with pytest.raises(TypeError):
        Checked(1, 2, 3)  # type: ignore[call-arg]


def test_replace_builds_a_new_record_through_init():
    point = Point(1, 2, ["a"])
    moved = replace(point, y=5)
    assert moved == Point(1, 5) and moved.tags == ["a"] and point.y == 2
    assert replace(Checked(1, 4), high=9).span == 8
    with pytest.raises(ValueError, match="init=False"):
        replace(Checked(1, 4), span=1)
    with pytest.raises(TypeError):
        replace(point, z=1)


def test_declaration_errors_are_caught_at_class_creation():
    with pytest.raises(ValueError, match="default_factory"):
        @record
        class Shared:
            items: list[int] = []  # noqa: RUF012 (the mistake under test)
    with pytest.raises(TypeError, match="non-default argument"):
        @record
        class Misordered:
            a: int = 0
            b: int  # type: ignore[misc]


def test_copies_and_pickles():
    point = Point(1, 2, ["a"])
    assert copy.copy(point) == point and copy.deepcopy(point).tags == ["a"]
    assert pickle.loads(pickle.dumps(point)) == point


def test_a_recursive_repr_ends():
    box = Box()
    box.items.append(box)  # type: ignore[arg-type]
    assert repr(box) == "Box(items=[...], size=1)"


def _warm(cls, *args, **kwargs):
    """Construct ``cls`` often enough that it gets its compiled ``__init__``."""
    generic = cls.__init__
    for _ in range(records.HOT):
        cls(*args, **kwargs)
    assert cls.__init__ is not generic  # the compiled one took over
    return cls


def test_a_hot_record_is_built_the_same_through_its_compiled_init():
    @record(frozen=True)
    class Hot:
        x: int
        y: int = 0
        tags: list[str] = field(default_factory=list)
        seen: dict[str, int] = field(init=False, default_factory=dict)
        count: int = field(init=False, default=7)

        def __post_init__(self) -> None:
            self.seen["post"] = self.x

    _warm(Hot, 1)
    hot = Hot(2, tags=["a"])
    assert (hot.x, hot.y, hot.tags, hot.seen, hot.count) == (2, 0, ["a"], {"post": 2}, 7)
    assert Hot(1).tags is not Hot(1).tags and Hot(x=3, y=4) == Hot(3, 4)
    assert repr(Hot(1, 2)).endswith(".Hot(x=1, y=2, tags=[], seen={'post': 1}, count=7)")
    for args, kwargs in [((), {}), ((1, 2, [], 5), {}), ((1,), {"x": 2}), ((1,), {"z": 2}),
                         ((1,), {"count": 2})]:
        with pytest.raises(TypeError, match=r"Hot\.__init__\(\)"):
            Hot(*args, **kwargs)
    with pytest.raises(FrozenInstanceError):
        hot.x = 5  # type: ignore[misc]


def test_a_field_may_not_take_a_name_the_compiled_init_uses():
    with pytest.raises(TypeError, match="may not be named"):
        @record
        class Clash:
            self: int  # noqa: PLW0211 (the mistake under test)
