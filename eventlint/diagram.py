"""Drawing the event graph: DOT, SVG, PNG (through Graphviz), Mermaid, JSON and a self-contained HTML page."""

from __future__ import annotations
