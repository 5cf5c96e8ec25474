"""The floor under any push endpoint on these machines, kept only to measure the real one against
it: the push's own authentication, rate limit and JSON parser, then a 201 without validating or
storing anything."""

from rest_framework import status
from rest_framework.response import Response

from hub.submissions.apis import SubmissionApi


class AcceptWithoutStoring(SubmissionApi):
    def post(self, request):
        return Response({"reference": request.data["reference"]}, status=status.HTTP_201_CREATED)
