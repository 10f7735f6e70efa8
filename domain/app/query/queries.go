package query

// ReadModels are the read models the queries ask.
type ReadModels interface {
	Viewers
	LibraryReadModel
	CustomerReadModel
	AccountReadModel
	AuditReadModel
	LinkReadModel
	PortalListingReadModel
	AccessReadModel
	FolderListReadModel
	RequestReadModel
	NotificationReadModel
}

// Queries holds one handler per question, as the API's handlers call them.
type Queries struct {
	Viewers Viewers

	GetFolder        GetFolderHandler
	ListFolders      ListFoldersHandler
	ListDocuments    ListDocumentsHandler
	GetDocument      GetDocumentHandler
	DocumentVersions DocumentVersionsHandler
	DocumentVersion  DocumentVersionHandler
	ListShares       ListSharesHandler
	ShareHistory     ShareHistoryHandler

	ListCustomers       ListCustomersHandler
	GetCustomer         GetCustomerHandler
	CustomerPortalView  CustomerPortalViewHandler
	ListPortalProviders ListPortalProvidersHandler
	PortalView          PortalViewHandler
	ListPortal          ListPortalHandler
	PortalDocument      PortalDocumentHandler
	ListCustomerUsers   ListCustomerUsersHandler

	GetMe      GetMeHandler
	Directory  DirectoryHandler
	ListGroups ListGroupsHandler
	ListStaff  ListStaffHandler

	PortalViewAsOf PortalViewAsOfHandler
	DocumentAccess DocumentAccessHandler
	// DocumentAudience: who can see a document now (access_now.go).
	DocumentAudience DocumentAudienceHandler

	FolderLinkContents FolderLinkContentsHandler

	ListRequests   ListRequestsHandler
	PortalRequests PortalRequestsHandler

	NotificationPreferences NotificationPreferencesHandler
}

// New builds every query over rm.
func New(rm ReadModels) Queries {
	document := GetDocumentHandler{rm: rm}
	customer := GetCustomerHandler{rm: rm}
	view := PortalViewHandler{rm: rm}
	return Queries{
		Viewers: rm,

		GetFolder:        GetFolderHandler{rm: rm},
		ListFolders:      ListFoldersHandler{rm: rm},
		ListDocuments:    ListDocumentsHandler{rm: rm},
		GetDocument:      document,
		DocumentVersions: DocumentVersionsHandler{rm: rm, document: document},
		DocumentVersion:  DocumentVersionHandler{rm: rm, document: document},
		ListShares:       ListSharesHandler{rm: rm},
		ShareHistory:     ShareHistoryHandler{rm: rm, document: document},

		ListCustomers:       ListCustomersHandler{rm: rm},
		GetCustomer:         customer,
		CustomerPortalView:  CustomerPortalViewHandler{rm: rm, customer: customer},
		ListPortalProviders: ListPortalProvidersHandler{rm: rm},
		PortalView:          view,
		ListPortal:          ListPortalHandler{customers: rm, rm: rm},
		PortalDocument:      PortalDocumentHandler{library: rm, view: view},
		ListCustomerUsers:   ListCustomerUsersHandler{rm: rm, customer: customer},

		GetMe:      GetMeHandler{rm: rm},
		Directory:  DirectoryHandler{rm: rm},
		ListGroups: ListGroupsHandler{rm: rm},
		ListStaff:  ListStaffHandler{rm: rm},

		PortalViewAsOf:   PortalViewAsOfHandler{rm: rm},
		DocumentAccess:   DocumentAccessHandler{rm: rm},
		DocumentAudience: DocumentAudienceHandler{rm: rm, document: document},

		FolderLinkContents: FolderLinkContentsHandler{rm: rm},

		ListRequests:   ListRequestsHandler{rm: rm, customer: customer},
		PortalRequests: PortalRequestsHandler{rm: rm, view: view},

		NotificationPreferences: NotificationPreferencesHandler{rm: rm},
	}
}
