"""Global copy-detection descriptor and its catalog index (no web code, no service imports).

``load_descriptor().describe(images)`` gives one 256-dim L2-normalised vector per image;
``DescriptorIndex`` finds the catalog images whose enrolled views are nearest to a query's.
"""

from models.descriptor.index import DescriptorIndex
from models.descriptor.model import ARTIFACT_DIR, Descriptor, DescriptorConfig, load_descriptor

__all__ = ["ARTIFACT_DIR", "Descriptor", "DescriptorConfig", "DescriptorIndex", "load_descriptor"]
