"""Renderers: findings and facts to text. Nothing else in eventlint writes output."""
