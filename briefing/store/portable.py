"""Every concern's portable SQL in one class: what the SQLite and the PostgreSQL store both are.

Each mixin keeps one concern's queries (feeds, clusters, summaries, ...) over `self._db`, the backend's
connection adapter (`briefing.store._sql`); a backend adds only how it connects, locks, migrates and measures.
"""

from __future__ import annotations

from briefing.store.boilerplate import BoilerplateSql
from briefing.store.cluster_memory import ClusterMemorySql
from briefing.store.clusters import ClustersSql
from briefing.store.editions import EditionsSql
from briefing.store.feeds import FeedsSql
from briefing.store.retention import RetentionSql
from briefing.store.runs import RunsSql
from briefing.store.sends import SendsSql
from briefing.store.summaries import SummariesSql
from briefing.store.transfer import TransferSql
from briefing.store.vectors import VectorsSql


class PortableSql(
    FeedsSql,
    ClustersSql,
    SummariesSql,
    EditionsSql,
    SendsSql,
    RunsSql,
    RetentionSql,
    TransferSql,
    VectorsSql,
    ClusterMemorySql,
    BoilerplateSql,
):
    """The queries both backends share; a backend subclasses it."""
