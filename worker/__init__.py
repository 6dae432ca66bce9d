"""Background work: the Celery app (``worker.celery_app``), its tasks and the beat schedule (in ``config``)."""
