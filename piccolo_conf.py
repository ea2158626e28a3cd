"""Piccolo's configuration: the engine picked from DATABASE_URL (see app/settings.py)."""

from piccolo.conf.apps import AppRegistry

from app.settings import get_settings
from app.db import make_engine

DB = make_engine(get_settings())

APP_REGISTRY = AppRegistry(apps=["app.models.piccolo_app"])
