"""Rows kept on disk while an import goes through them: reading, checking and writing a file of
100 000 lines holds a few rows in memory at a time, never the whole file."""

import pickle
import tempfile
from collections.abc import Iterator
from typing import Any


class Spool:
    """Items appended in order to a temporary file (removed when closed), read back in order.

    Only the import's own rows go through it, written and read by the same process: pickle is
    used for what it is, a fast way to keep Python values (texts, numbers, dates) on disk."""

    def __init__(self) -> None:
        # Closed by `close` (or the `with` block), as the caller's spool ends.
        self._file = tempfile.TemporaryFile(prefix="pacte-import-")  # noqa: SIM115
        self._count = 0

    def append(self, item: Any) -> None:
        self._file.seek(0, 2)
        pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        self._file.flush()
        position = 0
        for _ in range(self._count):
            self._file.seek(position)
            item = pickle.load(self._file)
            position = self._file.tell()
            yield item

    def batches(self, size: int) -> Iterator[list[Any]]:
        batch = []
        for item in self:
            batch.append(item)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "Spool":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
