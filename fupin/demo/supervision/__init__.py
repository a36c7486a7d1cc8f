"""The supervision part of the demo county, in one place: `alerts` (a rule sweep and alerts at
every stage of their life, the reminders, the digest, the inbox) and `extras` (inspections,
traffic lights, accountability records). `fupin.demo.services.load_demo` calls both."""

from .alerts import load_supervision_demo, supervision_loaded
from .extras import load_supervision_extras

__all__ = ["load_supervision_demo", "load_supervision_extras", "supervision_loaded"]
