"""ACME's eventlint plugin: the platform event bus pattern pack and ACME's rules."""

from pathlib import Path

# read by the `eventlint.frameworks` entry point: the pattern files of ACME's buses
FRAMEWORKS = [str(Path(__file__).resolve().parent / "frameworks" / "acme-bus.yaml")]
