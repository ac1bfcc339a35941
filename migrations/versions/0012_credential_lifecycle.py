"""Credentials with a lifecycle: who created each user, disabled users, keys that expire (a rotation's
overlap) and their last use; and no API key left in clear in the idempotency store

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 01:50:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

answers = sa.table(
    'idempotency_keys',
    sa.column('user_id', sa.String),
    sa.column('key', sa.String),
    sa.column('body', sa.LargeBinary),
)


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))

    _forget_stored_keys()


def _forget_stored_keys() -> None:
    """Answers to user and key creation were stored with the new key in clear: keep the answer,
    without the key (a replay says the key was issued and no longer shows it)."""
    bind = op.get_bind()
    for user_id, key, body in bind.execute(sa.select(answers.c.user_id, answers.c.key, answers.c.body)):
        try:
            answer = json.loads(body)
        except ValueError:
            continue
        if isinstance(answer, dict) and isinstance(answer.get('key'), str):
            answer['key'] = None
            bind.execute(
                answers.update()
                .where(answers.c.user_id == user_id, answers.c.key == key)
                .values(body=json.dumps(answer, ensure_ascii=False, separators=(',', ':')).encode())
            )


def downgrade() -> None:
    # plain DROP COLUMN (SQLite 3.35+), not a batch's table copy: dropping a copied-out ``users`` would
    # break the keys' foreign keys on a connection that enforces them
    op.drop_column('api_keys', 'last_used_at')
    op.drop_column('api_keys', 'expires_at')
    op.drop_column('users', 'disabled_at')
    op.drop_column('users', 'created_by')
