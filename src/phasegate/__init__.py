"""phasegate: plan, run, check and report phased multi-agent software projects."""

__version__ = "0.1.0"
