"""What the messaging app listens to (connected in ``apps.ready``)."""
