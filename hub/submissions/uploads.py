"""The Excel channel: the template of an agreement's scope, and uploads checked cell by cell and
then committed, the partners sheet through the partner registration and the consignments through
the one ingest service, all of a file or none of it.

connectors.excel_template reads and writes the workbooks; this module ties them to the catalogue,
the agreement and the database. (The ingest service itself is in services.py.)"""

import base64
import hashlib
from functools import lru_cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from connectors.excel_template import (
    Column,
    Kind,
    Limits,
    SheetContents,
    TemplateIdentity,
    WorkbookRefused,
    annotated_build,
    template_build,
    workbook_read,
)
from hub.agreements.models import Agreement
from hub.catalogue.excel import excel_columns
from hub.catalogue.fields import CATALOGUE_VERSION, FieldType, field
from hub.catalogue.schemas import scope_digest, scope_normalize
from hub.core.audit import audit_record
from hub.core.memory import cycle_collection_paused
from hub.partners.services import partner_register_or_update
from hub.partners.sheet import PARTNER_COLUMNS, SheetPartner, partner_sheet_check
from hub.submissions.models import Channel, Upload
from hub.submissions.services import (
    IngestRefused,
    agreement_for_submission,
    consignment_ingest,
    consignment_validate,
)

SOURCE_FORMAT = "xlsx"
LISTED_ERRORS = 1000
"""Errors kept with an upload and shown; the annotated copy marks every one."""
# What a workbook may unpack to: a fixed allowance for its other parts, and per cell of the data
# sheet room for a long text with its XML.
UNPACKED_BASE_BYTES = 16 * 1024 * 1024
UNPACKED_BYTES_PER_CELL = 100

KINDS = {
    FieldType.STRING: Kind.TEXT,
    FieldType.CODE: Kind.CODE,
    FieldType.LIST: Kind.CODES,
    FieldType.DECIMAL: Kind.DECIMAL,
    FieldType.INTEGER: Kind.INTEGER,
    FieldType.DATE: Kind.DATE,
    FieldType.DATETIME: Kind.DATETIME,
}

# The status of each refusal; any other is a 400.
REFUSAL_STATUS = {
    "no_active_agreement": 403,
    "agreement_suspended": 403,
    "channel_not_agreed": 403,
    "too_large": 413,
    "too_many_rows": 413,
    "too_much_data": 413,
    "not_xlsx": 415,
    "macros": 415,
}


def template_columns(scope) -> list[Column]:
    """The template's columns for a scope, with their English and Chinese headers and help."""
    return _columns(scope_normalize(scope))


@lru_cache(maxsize=64)
def _columns(keys: frozenset[str]) -> list[Column]:
    columns = []
    for english, chinese in zip(excel_columns(keys, "en"), excel_columns(keys, "zh"), strict=True):
        code_list = field(english.key).code_list
        columns.append(
            Column(
                key=english.key,
                kind=KINDS[field(english.key).type],
                required=english.required,
                label_en=english.header,
                label_zh=chinese.header,
                help_en=english.help,
                help_zh=chinese.help,
                codes=english.code_values or (),
                closed=bool(code_list and code_list.closed),
                code_list=code_list.name if code_list else "",
            )
        )
    return columns


def template_identity(agreement: Agreement) -> TemplateIdentity:
    return TemplateIdentity(
        catalogue_version=CATALOGUE_VERSION,
        scope_digest=scope_digest(agreement.scope),
        scope=tuple(agreement.scope),
        agreement_version=agreement.version,
    )


def template_workbook(*, agreement: Agreement, language: str) -> bytes:
    return template_build(
        template_columns(agreement.scope),
        template_identity(agreement),
        language=language,
        max_rows=settings.UPLOAD_MAX_ROWS,
        partner_columns=PARTNER_COLUMNS,
    )


def upload_limits(columns: list[Column]) -> Limits:
    """The limits of a workbook whose data sheet has `columns`, beside the partners sheet."""
    return Limits(
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_rows=settings.UPLOAD_MAX_ROWS,
        max_uncompressed_bytes=UNPACKED_BASE_BYTES
        + settings.UPLOAD_MAX_ROWS
        * (len(columns) + len(PARTNER_COLUMNS))
        * UNPACKED_BYTES_PER_CELL,
    )


def authenticity_declaration(agreement: Agreement) -> str:
    return _(
        "I confirm, for %(enterprise)s, that the data in this file is authentic and accurate "
        "and comes from the enterprise's own records. Under its data-sharing agreement (version "
        "%(version)s) the enterprise is responsible for the authenticity and accuracy of the "
        "data it shares."
    ) % {"enterprise": agreement.enterprise.legal_name, "version": agreement.version}


def upload_status(upload: Upload) -> int:
    """The HTTP status that reports the upload: 201 stored, 200 already stored, else a 4xx."""
    if upload.result == Upload.Result.ACCEPTED:
        return 201
    if upload.result == Upload.Result.DUPLICATE:
        return 200
    return REFUSAL_STATUS.get(upload.code, 400)


def _contents(
    data: bytes, agreement: Agreement, viewer
) -> tuple[SheetContents, list[SheetPartner]]:
    """The workbook's consignments and its partners checked against the enterprise's
    registrations, and the errors of its cells as cells; raises WorkbookRefused for a file that
    cannot be read as this agreement's template."""
    language = get_language() or "en"
    columns = template_columns(agreement.scope)
    contents = workbook_read(
        data,
        columns,
        template_identity(agreement),
        limits=upload_limits(columns),
        language=language,
        partner_columns=PARTNER_COLUMNS,
    )
    partners = partner_sheet_check(
        contents=contents, enterprise=agreement.enterprise, viewer=viewer
    )
    return contents, partners


def _add_catalogue_errors(contents: SheetContents, agreement: Agreement) -> None:
    for consignment in contents.consignments:
        _normalized, errors = consignment_validate(consignment.document, scope=agreement.scope)
        contents.add_document_errors(consignment, errors)


# Reading a large file and storing its rows makes millions of objects that live until the end,
# which the cycle collector would otherwise scan again and again as they are made.
@cycle_collection_paused()
def upload_receive(*, enterprise, file_name: str, data: bytes, actor) -> Upload:
    """Check an uploaded workbook and, when every cell is right, register or update all its
    partners and store all its consignments; otherwise store nothing. Call it once the uploader
    has confirmed the authenticity declaration (`authenticity_declaration`), which is recorded
    with the upload; every upload is recorded, with its outcome, for the history."""
    sha256 = hashlib.sha256(data).hexdigest()
    person = actor if getattr(actor, "pk", None) else None
    upload = Upload(
        enterprise=enterprise,
        file_name=file_name[:255],
        size_bytes=len(data),
        sha256=sha256,
        uploaded_by=person,
        uploaded_by_label=actor.get_username(),
    )
    earlier = Upload.objects.filter(
        enterprise=enterprise, sha256=sha256, result=Upload.Result.ACCEPTED
    ).first()
    if earlier is not None:
        return _record_duplicate(upload, earlier, actor)
    try:
        upload.agreement = agreement_for_submission(
            enterprise_id=enterprise.pk, channel=Channel.EXCEL
        )
        upload.declaration = authenticity_declaration(upload.agreement)
        contents, partners = _contents(data, upload.agreement, actor)
    except (IngestRefused, WorkbookRefused) as refused:
        return _record_refusal(upload, actor, code=refused.code, message=refused.message)
    upload.rows = contents.rows
    if contents.errors:
        # Checked against the catalogue too, so that the trader gets every error at once.
        _add_catalogue_errors(contents, upload.agreement)
        return _record_invalid(upload, actor, contents, data)
    try:
        return _commit(upload, actor, contents, partners, data)
    except IntegrityError:  # the same file, uploaded at the same time, was stored first
        earlier = Upload.objects.get(
            enterprise=enterprise, sha256=sha256, result=Upload.Result.ACCEPTED
        )
        return _record_duplicate(upload, earlier, actor)
    except IngestRefused as refused:  # the agreement ended while the file was being checked
        return _record_refusal(upload, actor, code=refused.code, message=refused.message)


def _record_refusal(upload: Upload, actor, *, code: str, message: str) -> Upload:
    upload.result, upload.code, upload.message = Upload.Result.REFUSED, code, message
    return _record(upload, actor)


def _record_invalid(upload: Upload, actor, contents: SheetContents, data: bytes) -> Upload:
    errors = contents.sorted_errors()
    language = get_language() or "en"
    headers = {
        (contents.sheet, column.key): column.label(language)
        for column in template_columns(upload.agreement.scope)
    } | {
        (contents.partners_sheet, column.key): column.label(language) for column in PARTNER_COLUMNS
    }
    upload.errors = [
        {
            "sheet": error.sheet,
            "row": error.row,
            "column": error.column,
            "header": headers.get((error.sheet, error.key), ""),
            "field": error.key,
            "code": error.code,
            "message": error.message,
        }
        for error in errors[:LISTED_ERRORS]
    ]
    upload.error_count = len(errors)
    upload.workbook = base64.b64encode(data).decode()
    return _record_refusal(
        upload,
        actor,
        code="invalid",
        message=_(
            "The file has %(count)d error(s) in its cells, so nothing was stored. Each is listed "
            "with its row and column, and the annotated copy of the file marks them: correct "
            "them and upload the file again."
        )
        % {"count": len(errors)},
    )


def _record_duplicate(upload: Upload, earlier: Upload, actor) -> Upload:
    upload.result, upload.duplicate_of = Upload.Result.DUPLICATE, earlier
    upload.consignments, upload.partners = [], []
    upload.rows, upload.agreement_id = earlier.rows, earlier.agreement_id
    upload.message = _(
        "This file was already uploaded on %(date)s by %(who)s, and its data was stored then; "
        "nothing was stored again."
    ) % {
        "date": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M"),
        "who": earlier.uploaded_by_label,
    }
    return _record(upload, actor)


@transaction.atomic
def _record(upload: Upload, actor) -> Upload:
    upload.save()
    _audit(upload, actor)
    return upload


def _audit(upload: Upload, actor) -> None:
    audit_record(
        action=f"submissions.upload.{upload.result}",
        actor=actor,
        obj=upload,
        enterprise_id=upload.enterprise_id,
        data={
            "file_name": upload.file_name,
            "sha256": upload.sha256,
            "size_bytes": upload.size_bytes,
            "rows": upload.rows,
            "code": upload.code,
            "consignments": len(upload.consignments),
            "partners": len(upload.partners),
        },
    )


class _Refused(Exception):
    """Ingest refused consignments: the transaction that stored the others is rolled back."""

    def __init__(self, refusals: list[tuple[int, list[dict]]]):
        super().__init__(f"{len(refusals)} consignment(s) refused")
        self.refusals = refusals


def _commit(
    upload: Upload, actor, contents: SheetContents, partners: list[SheetPartner], data: bytes
) -> Upload:
    """Every partner registered or updated, and every consignment through ingest, which checks
    each against the catalogue as it does for the API; in one transaction, rolled back when it
    refuses any. The follow-up that links the consignments' parties runs once the transaction
    has committed, so it finds the partners the same file registered."""
    consignments = contents.consignments
    received_at = timezone.now()
    try:
        with transaction.atomic():
            stored_partners = _partners_store(upload, actor, partners)
            results = consignment_ingest(
                enterprise_id=upload.enterprise_id,
                documents=[consignment.document for consignment in consignments],
                channel=Channel.EXCEL,
                actor=actor,
                source_format=SOURCE_FORMAT,
                received_at=received_at,
            )
            refusals = [
                (position, result.errors)
                for position, result in enumerate(results)
                if result.status == "refused"
            ]
            if refusals:
                raise _Refused(refusals)
            upload.result, upload.partners = Upload.Result.ACCEPTED, stored_partners
            upload.consignments = [
                {
                    "reference": result.reference,
                    "status": _outcome(result),
                    "revision": result.revision.number,
                    "lines": len(consignment.document["lines"]),
                }
                for result, consignment in zip(results, consignments, strict=True)
            ]
            upload.message = _accepted_message(upload)
            upload.save()
            _audit(upload, actor)
        return upload
    except _Refused as refused:
        for position, errors in refused.refusals:
            contents.add_document_errors(consignments[position], errors)
        return _record_invalid(upload, actor, contents, data)


def _partners_store(upload: Upload, actor, partners: list[SheetPartner]) -> list[dict]:
    outcomes = []
    for item in partners:
        partner, changed = partner_register_or_update(
            enterprise=upload.enterprise,
            partner=item.partner,
            registration=item.registration,
            actor=actor,
        )
        status = "unchanged"
        if changed:
            status = "registered" if item.partner is None else "updated"
        outcomes.append(
            {
                "row": item.row,
                "id": partner.pk,
                "legal_name": partner.legal_name,
                "country": partner.country,
                "status": status,
                "version": partner.version,
            }
        )
    return outcomes


def _accepted_message(upload: Upload) -> str:
    messages = []
    if upload.consignments:
        messages.append(
            _("%(count)d consignment(s) with %(rows)d line(s) were shared with customs.")
            % {"count": len(upload.consignments), "rows": upload.rows}
        )
    if upload.partners:
        messages.append(
            _(
                "Supply-chain partners: %(registered)d registered, %(updated)d updated, "
                "%(unchanged)d unchanged."
            )
            % upload.partner_counts
        )
    return " ".join(messages)


def _outcome(result) -> str:
    if result.status == "unchanged":
        return "unchanged"
    return "amended" if result.revision.number > 1 else "new"


def upload_annotated_workbook(upload: Upload, *, viewer) -> bytes:
    """The refused file with every bad cell highlighted and commented, as checked now in the
    current language, against the agreement it was uploaded under and the partners registered
    now."""
    data = base64.b64decode(upload.workbook)
    columns = template_columns(upload.agreement.scope)
    identity = template_identity(upload.agreement)
    contents, _partners = _contents(data, upload.agreement, viewer)
    _add_catalogue_errors(contents, upload.agreement)
    return annotated_build(
        data,
        columns,
        identity,
        contents.sorted_errors(),
        max_rows=settings.UPLOAD_MAX_ROWS,
        partner_columns=PARTNER_COLUMNS,
    )
