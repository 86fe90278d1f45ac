"""Error codes of the phone-number plugin, Better Auth's ``PHONE_NUMBER_ERROR_CODES`` string for string."""

from __future__ import annotations

from ...errors import ErrorCodes, code


class PhoneNumberErrorCodes(ErrorCodes):
    INVALID_PHONE_NUMBER = code("Invalid phone number")
    PHONE_NUMBER_EXIST = code("Phone number already exists")
    PHONE_NUMBER_NOT_EXIST = code("phone number isn't registered")
    INVALID_PHONE_NUMBER_OR_PASSWORD = code("Invalid phone number or password")
    UNEXPECTED_ERROR = code("Unexpected error")
    OTP_NOT_FOUND = code("OTP not found")
    OTP_EXPIRED = code("OTP expired")
    INVALID_OTP = code("Invalid OTP")
    PHONE_NUMBER_NOT_VERIFIED = code("Phone number not verified")
    PHONE_NUMBER_PENDING_VERIFICATION = code("Phone number requires account ownership proof")
    PHONE_NUMBER_CANNOT_BE_UPDATED = code("Phone number cannot be updated")
    PHONE_NUMBER_CANNOT_BE_SET = code("Phone number can only be set by verifying it")
    SEND_OTP_NOT_IMPLEMENTED = code("sendOTP not implemented")
    TOO_MANY_ATTEMPTS = code("Too many attempts")
