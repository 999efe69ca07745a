"""The operations services (tenants, keys, retention, erasure, usage), built together."""

from __future__ import annotations

from dataclasses import dataclass

from mcp_service.services.deps import Deps
from mcp_service.services.governance.erasure import ErasureService
from mcp_service.services.governance.housekeeping import Housekeeping
from mcp_service.services.governance.keys import KeyService
from mcp_service.services.governance.retention import RetentionService
from mcp_service.services.governance.sweeper import RetentionSweeper
from mcp_service.services.governance.tenants import TenantService
from mcp_service.services.governance.usage import UsageService


@dataclass
class Operations:
    keys: KeyService
    tenants: TenantService
    retention: RetentionService
    erasure: ErasureService
    usage: UsageService
    sweeper: RetentionSweeper
    housekeeping: Housekeeping


def build_operations(
    deps: Deps,
    *,
    admin_tenant: str,
    retention_interval_s: float,
    retention_lease_s: float = 300.0,
    retention_batch_size: int = 100,
    housekeeping_interval_s: float = 600.0,
) -> Operations:
    retention = RetentionService(deps, lease_s=retention_lease_s, page_size=retention_batch_size)
    return Operations(
        keys=KeyService(deps.uow, deps.now, admin_tenant=admin_tenant),
        tenants=TenantService(deps.uow, deps.now),
        retention=retention,
        erasure=ErasureService(deps),
        usage=UsageService(deps.uow),
        sweeper=RetentionSweeper(retention, interval_s=max(retention_interval_s, 1.0)),
        housekeeping=Housekeeping(deps, interval_s=max(housekeeping_interval_s, 1.0)),
    )
