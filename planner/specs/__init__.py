"""Validated, frozen spec models: model architecture, hardware, runtimes, deployments, workloads."""
