"""Progress bars: tqdm where installed, the plain bar otherwise; both show
the rate and the time left, and only on a terminal."""

import io
import sys

from objclient.cli.progress import PlainBar, TqdmBar, progress_bar

MIB = 1024 * 1024


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_tqdm_is_used_where_installed_and_the_plain_bar_otherwise(monkeypatch):
    assert isinstance(progress_bar("o", stream=Terminal()), TqdmBar)
    monkeypatch.setitem(sys.modules, "tqdm", None)
    assert isinstance(progress_bar("o", stream=Terminal()), PlainBar)


def test_tqdm_bar_shows_bytes_rate_and_time_left():
    term = Terminal()
    bar = progress_bar("photo.jpg", stream=term)
    bar(2 * MIB, 4 * MIB)
    bar(4 * MIB, 4 * MIB)
    bar.close()
    text = term.getvalue()
    assert "photo.jpg" in text and "100%" in text and "4.00M/4.00M" in text
    assert "B/s" in text and "<" in text  # tqdm's [elapsed<remaining, rate]


def test_plain_bar_shows_percent_rate_and_eta():
    bar = PlainBar("photo.jpg", stream=Terminal())
    assert bar.line(MIB, 4 * MIB, 1.0).endswith("25.0%     1.0 MB/s ETA 0:00:03")
    assert "MB/s" in bar.line(5 * MIB, None, 1.0)


def test_no_bar_outside_a_terminal_when_disabled_or_for_small_transfers():
    for stream, enabled, total in ((io.StringIO(), True, 4 * MIB),
                                   (Terminal(), False, 4 * MIB),
                                   (Terminal(), True, MIB - 1)):
        bar = progress_bar("o", enabled=enabled, stream=stream)
        bar(total, total)
        bar.close()
        assert stream.getvalue() == ""
