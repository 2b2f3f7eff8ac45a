"""`field__any=[...]`: `field = ANY(%s)` with the whole list as one array parameter.

`field__in=[...]` compiles and sends one placeholder per value; for the few hundred ids a
hot query passes (a provider's consumer branch heads), that compiling cost more than the
query, and every new length of list is a new statement for PostgreSQL to plan.

Pass a set: Django resolves each element of a list or tuple value as a possible expression
before the lookup sees it (about a microsecond each, thousands per request on a hot path),
and leaves any other iterable alone.
"""

from __future__ import annotations

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # foreign keys keep their own lookups: `consumer_version_id__any`
