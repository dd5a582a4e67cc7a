"""newsqa's own dataclasses as plain JSON, for caches on disk: a cache is read as data, never run as code
(a pickle runs whatever whoever wrote it put in it)."""

import json
import numbers
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from datetime import date

__all__ = ["Records"]

FORMAT = "newsqa-records-1"


class Records:
    """Encode and decode values made of JSON types, tuples, sets, dates and the dataclasses named here; an object
    met twice is written once and comes back as one object. Any other type is refused both ways.

    >>> from ingest.store import Hit
    >>> hit = Hit("a:0", "a", "The SDF recaptured 104.", 0.9, 0, "Prison attack", None, None, "2022-01-21")
    >>> records = Records([Hit])
    >>> back = records.loads(records.dumps({"pool": [hit, hit], "asked_on": date(2022, 1, 22), "names": {"SDF"}}))
    >>> back["pool"][0] == hit, back["pool"][0] is back["pool"][1], back["asked_on"], back["names"]
    (True, True, datetime.date(2022, 1, 22), frozenset({'SDF'}))
    >>> records.loads(b'{"format": "newsqa-records-1", "objects": [{"type": "system", "fields": {}}], "value": {"$ref": 0}}')
    Traceback (most recent call last):
    ...
    ValueError: records of an unknown type 'system'
    """

    def __init__(self, types: Iterable[type]):
        self.types = {t.__name__: t for t in types}

    def dumps(self, value) -> bytes:
        """The value as UTF-8 JSON."""
        table: list[dict] = []
        index: dict[int, int] = {}
        keep: list = []  # the encoded objects stay alive, so no id() is reused while encoding

        def encode(item):
            if item is None or isinstance(item, (bool, str)):
                return item
            if isinstance(item, numbers.Integral):
                return int(item)
            if isinstance(item, numbers.Real):
                return float(item)
            if isinstance(item, list):
                return [encode(v) for v in item]
            if isinstance(item, tuple) and not is_dataclass(item):
                return {"$tuple": [encode(v) for v in item]}
            if isinstance(item, (set, frozenset)):
                return {"$set": [encode(v) for v in item]}
            if isinstance(item, dict):
                return {"$dict": [[encode(k), encode(v)] for k, v in item.items()]}
            if type(item) is date:
                return {"$date": item.isoformat()}
            if hasattr(item, "tolist") and not is_dataclass(item):  # a NumPy array or scalar
                return encode(item.tolist())
            return {"$ref": reference(item)}

        def reference(item) -> int:
            kind = type(item)
            if self.types.get(kind.__name__) is not kind:
                raise TypeError(f"cannot keep a {kind.__name__} as records")
            if id(item) not in index:
                index[id(item)] = len(table)
                keep.append(item)
                table.append({})
                table[index[id(item)]] = {"type": kind.__name__,
                                          "fields": {f.name: encode(getattr(item, f.name)) for f in fields(item)}}
            return index[id(item)]

        encoded = encode(value)
        return json.dumps({"format": FORMAT, "objects": table, "value": encoded}, ensure_ascii=False,
                          separators=(",", ":")).encode()

    def loads(self, data: bytes):
        """The value back from `dumps`; ValueError for anything else."""
        try:
            document = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not JSON: {exc}") from exc
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError("not a newsqa records file")
        table, built = document.get("objects"), {}
        if not isinstance(table, list):
            raise ValueError("records without an object table")

        def decode(item):
            if isinstance(item, list):
                return [decode(v) for v in item]
            if not isinstance(item, dict):
                return item
            if len(item) != 1:
                raise ValueError(f"not a record: {sorted(item)[:3]}")
            (tag, body), = item.items()
            if tag == "$ref":
                return build(body)
            if tag == "$tuple":
                return tuple(decode(v) for v in body)
            if tag == "$set":
                return frozenset(decode(v) for v in body)
            if tag == "$dict":
                return {decode(k): decode(v) for k, v in body}
            if tag == "$date":
                return date.fromisoformat(body)
            raise ValueError(f"an unknown record tag {tag!r}")

        def build(number):
            if not isinstance(number, int) or not 0 <= number < len(table):
                raise ValueError(f"a reference to no object: {number!r}")
            if number not in built:
                entry = table[number]
                kind = self.types.get(entry.get("type")) if isinstance(entry, dict) else None
                if kind is None:
                    raise ValueError(f"records of an unknown type {entry.get('type') if isinstance(entry, dict) else entry!r}")
                values = {name: decode(v) for name, v in entry.get("fields", {}).items()}
                if set(values) != {f.name for f in fields(kind)}:
                    raise ValueError(f"a {kind.__name__} with the fields {sorted(values)}")
                made = kind(**{f.name: values[f.name] for f in fields(kind) if f.init})
                for f in fields(kind):
                    if not f.init:
                        object.__setattr__(made, f.name, values[f.name])
                built[number] = made
            return built[number]

        try:
            return decode(document.get("value"))
        except (TypeError, KeyError, AttributeError, RecursionError) as exc:  # a field of the wrong shape, a cycle
            raise ValueError(f"damaged records: {type(exc).__name__}: {exc}") from exc
