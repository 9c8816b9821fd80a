from django.http import QueryDict


def as_query_dict(filters) -> QueryDict:
    """Filters saved as ``{name: [values]}`` (e.g. in a job's params) back into a QueryDict, so
    that multi-valued filters behave exactly as they do on the page that started the job."""
    if isinstance(filters, QueryDict):
        return filters
    qd = QueryDict(mutable=True)
    for key, value in (filters or {}).items():
        qd.setlist(key, value if isinstance(value, list | tuple) else [value])
    return qd


def filters_from_request(request) -> dict[str, list[str]]:
    """The request's filters as plain JSON-able data, without the page number."""
    return {k: v for k, v in request.GET.lists() if k != "page"}
