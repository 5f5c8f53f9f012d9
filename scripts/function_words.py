#!/usr/bin/env python3
"""Write src/guide_assistant/understanding/function_words.json: the words that tell English,
Swedish and Norwegian apart (understanding/language.py), made from wordfreq's frequency lists.
Run it after upgrading wordfreq; tests/test_understanding.py checks the file is what the
installed wordfreq makes.

Usage: python scripts/function_words.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.common.fsutil import atomic_write_text  # noqa: E402
from guide_assistant.understanding.language import FUNCTION_WORDS, function_words_from_wordfreq  # noqa: E402

if __name__ == "__main__":
    data = function_words_from_wordfreq()
    atomic_write_text(FUNCTION_WORDS, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    print(f"{FUNCTION_WORDS.relative_to(ROOT)}: " + ", ".join(f"{lang} {len(data[lang])}" for lang in ("en", "sv", "no")))
