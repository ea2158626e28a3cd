import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="gatepost",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(
        modules=[
            "app.models.estates",
            "app.models.people",
            "app.models.auth",
            "app.models.audit",
            "app.models.visitors",
            "app.models.notifications",
            "app.models.uploads",
            "app.models.releases",
            "app.models.server",
            "app.models.reviews",
            "app.models.duty",
            "app.models.patrol",
            "app.models.incidents",
            "app.models.desk_requests",
            "app.models.statistics",
            "app.models.records",
        ],
        exclude_imported=True,
    ),
    migration_dependencies=[],
    commands=[],
)
