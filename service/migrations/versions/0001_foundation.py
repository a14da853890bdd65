"""foundation: api keys, app meta, catalog

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.kit.db import UTCDateTime

revision: str = '0001_foundation'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('platform_id', sa.String(length=100), nullable=True),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('revoked_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_platform_id'), ['platform_id'], unique=False)

    op.create_table('app_meta',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.String(length=1000), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_app_meta'))
    )
    op.create_table('catalog_products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brand', sa.String(length=200), nullable=False),
    sa.Column('brand_key', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('sku', sa.String(length=100), nullable=True),
    sa.Column('list_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('authorized_seller_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_products')),
    sa.UniqueConstraint('brand_key', 'sku', name=op.f('uq_catalog_products_brand_key_sku'))
    )
    with op.batch_alter_table('catalog_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_products_brand_key'), ['brand_key'], unique=False)

    op.create_table('catalog_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['catalog_products.id'],
                            name=op.f('fk_catalog_images_product_id_catalog_products'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_images')),
    sa.UniqueConstraint('product_id', 'sha256', name=op.f('uq_catalog_images_product_id_sha256'))
    )
    with op.batch_alter_table('catalog_images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_images_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_images_sha256'), ['sha256'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('catalog_images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_images_sha256'))
        batch_op.drop_index(batch_op.f('ix_catalog_images_product_id'))

    op.drop_table('catalog_images')
    with op.batch_alter_table('catalog_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_products_brand_key'))

    op.drop_table('catalog_products')
    op.drop_table('app_meta')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_platform_id'))

    op.drop_table('api_keys')
