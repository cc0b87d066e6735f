"""Allow ``python -m generator``."""

from generator.cli import console_main

console_main()
