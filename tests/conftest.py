"""Test-wide setup: this folder is on `sys.path` (pytest puts a rootless conftest's folder there), so
tests anywhere below import shared expectations such as `sagemaker_defaults`."""
