"""Core's own pages: the background jobs of the user. (The home page is ``safecampus.home``.)"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render

from .access import get_for
from .models import Job


@login_required
def job_detail(request, pk: int):
    job = get_for(request.user, Job, pk)
    template = "core/_job_status.html" if request.headers.get("HX-Request") else "core/job.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request, pk: int):
    job = get_for(request.user, Job, pk)
    if job.status != Job.Status.SUCCEEDED or not job.output_file:
        raise Http404
    return FileResponse(
        job.output_file.open("rb"), as_attachment=True, filename=job.output_name or "export.xlsx"
    )


@login_required
def job_list(request):
    jobs = Job.objects.visible_to(request.user)[:50]
    return render(request, "core/job_list.html", {"jobs": jobs})
