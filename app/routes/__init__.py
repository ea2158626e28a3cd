"""Litestar controllers, one module per capability: parse, check who may, call a service, render."""
