"""``/baselines``: baseline documents by location, or a dataset the server baselines.

A dataset baseline is stored with job status Pending; running the job is the scheduler's work, which fills
in the document locations when it completes.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from modelwatch.service.api.deps import StoreDep, ensure_new, ensure_unused, get
from modelwatch.service.api.models import BaselineCreate, BaselineOut
from modelwatch.service.store import Baseline, JobStatus

router = APIRouter(prefix="/baselines", tags=["baselines"])


@router.post("", status_code=201)
def create_baseline(body: BaselineCreate, store: StoreDep) -> BaselineOut:
    with store.session() as session:
        ensure_new(session, Baseline, body.name)
        job_status = JobStatus.PENDING if body.dataset_uri is not None else None
        baseline = Baseline(**body.model_dump(), job_status=job_status, created_at=store.clock())
        session.add(baseline)
        session.flush()
        return BaselineOut.model_validate(baseline)


@router.get("")
def list_baselines(store: StoreDep) -> list[BaselineOut]:
    with store.session() as session:
        baselines = session.scalars(select(Baseline).order_by(Baseline.name))
        return [BaselineOut.model_validate(baseline) for baseline in baselines]


@router.get("/{name}")
def get_baseline(name: str, store: StoreDep) -> BaselineOut:
    with store.session() as session:
        return BaselineOut.model_validate(get(session, Baseline, name))


@router.delete("/{name}", status_code=204)
def delete_baseline(name: str, store: StoreDep) -> Response:
    with store.session() as session:
        baseline = get(session, Baseline, name)
        ensure_unused(session, baseline)
        session.delete(baseline)
    return Response(status_code=204)
