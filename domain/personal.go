package domain

import "github.com/google/uuid"

// The events carrying PersonalData name the company the person belongs to, so the
// event store can encrypt the fields with that company's key (see
// PersonalDataHolder) and forgetting the company shreds them.

func (e *UserRegistered) PersonalDataSubject() uuid.UUID { return e.CompanyID }
func (e *UserRegistered) PersonalDataFields() []*string  { return e.Personal.fields() }

func (e *UserInvited) PersonalDataSubject() uuid.UUID { return e.CompanyID }
func (e *UserInvited) PersonalDataFields() []*string  { return e.Personal.fields() }

func (e *UserActivated) PersonalDataSubject() uuid.UUID { return e.CompanyID }
func (e *UserActivated) PersonalDataFields() []*string  { return e.Personal.fields() }

func (e *CustomerInvited) PersonalDataSubject() uuid.UUID { return e.CompanyID }
func (e *CustomerInvited) PersonalDataFields() []*string  { return e.Contact.fields() }

func (p *PersonalData) fields() []*string { return []*string{&p.Name, &p.Email} }
