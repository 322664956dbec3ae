"""Import every domain's tables so that `Base.metadata` is complete (for migrations and tests)."""

from aidcoord.access import models as access_models
from aidcoord.audit import models as audit_models
from aidcoord.catalog import models as catalog_models
from aidcoord.dataset import models as dataset_models
from aidcoord.db.base import Base
from aidcoord.handover import models as handover_models
from aidcoord.jobs import models as jobs_models
from aidcoord.nations import models as nations_models
from aidcoord.offers import models as offers_models
from aidcoord.plans import models as plans_models
from aidcoord.reference import models as reference_models
from aidcoord.requirements import models as requirements_models
from aidcoord.shipments import models as shipments_models
from aidcoord.sites import models as sites_models
from aidcoord.training import models as training_models
from aidcoord.whatif import models as whatif_models

metadata = Base.metadata

__all__ = [
    "access_models",
    "audit_models",
    "catalog_models",
    "dataset_models",
    "handover_models",
    "jobs_models",
    "metadata",
    "nations_models",
    "offers_models",
    "plans_models",
    "reference_models",
    "requirements_models",
    "shipments_models",
    "sites_models",
    "training_models",
    "whatif_models",
]
